import Foundation
import Logging

/// The one path every scan takes, whatever its source (a HID, serial or camera scanner, the
/// FIFO, the counter page): the source's duplicate window per code, the counter's single
/// transaction, then every indicator (log, stack light and buzzer, page, metrics), in that
/// order. Decisions and commits happen one scan at a time, in the order the scans reach the
/// store's writer; while one scan's indicators are
/// being told, a scan from another source (the page) may already be decided, so two
/// signals can come close together, each for its own scan.
public actor ScanDesk {
    let counter: Counter
    var duplicates: DuplicateFilter
    let indicators: [any ScanIndicator]
    let logger: Logger

    public init(counter: Counter, duplicates: DuplicateFilter = DuplicateFilter(), indicators: [any ScanIndicator], logger: Logger) {
        self.counter = counter
        self.duplicates = duplicates
        self.indicators = indicators
        self.logger = logger
    }

    /// Handles one scan and shows its feedback; returns the feedback shown. Never throws: a
    /// store failure is feedback too (``ScanOutcome/storeFault``), so the clerk hears it.
    @discardableResult
    public func submit(_ scan: ScanEvent) async -> ScanFeedback {
        let feedback: ScanFeedback
        // Judged by when the scan was made, not when its turn came: scans queue up while a
        // commit runs, and a camera's frames must not fall out of the window because the
        // first of them took long to book.
        switch duplicates.verdict(source: scan.source, text: scan.text, at: .seconds(scan.time.timeIntervalSinceReferenceDate)) {
        case .suppressed:
            logger.debug("duplicate scan dropped", metadata: ["source": "\(scan.source)"])
            return .duplicateIgnored(scan)
        case .duplicate:
            feedback = .duplicateIgnored(scan)
        case .admit:
            do {
                // On the store's writer queue (never a cooperative thread): scans commit in the
                // order they reach it, one at a time.
                feedback = try await counter.record(scan)
            } catch {
                // The store itself failed (disk full, read-only, damaged): nothing was saved,
                // and the clerk must hear a rejection, not silence.
                logger.error("扫描未保存 scan NOT saved: \(error)", metadata: ["source": "\(scan.source)"])
                feedback = .storeFailed(scan, error: error)
            }
        }
        for indicator in indicators { await indicator.show(feedback) }
        return feedback
    }
}
