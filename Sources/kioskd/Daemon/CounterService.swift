import Foundation
import KioskCore
import Logging
import Scanner
import ServiceLifecycle

/// Takes the merged scan stream, filters camera duplicates, hands each scan to the
/// ``Counter`` (one durable transaction) and only then shows the feedback on every indicator.
struct CounterService: Service {
    let counter: Counter
    let scans: AsyncStream<ScanEvent>
    var duplicates: DuplicateFilter
    let indicators: [any ScanIndicator]
    let logger: Logger

    func run() async throws {
        var duplicates = duplicates
        let origin = ContinuousClock.now
        // Finishing the stream on shutdown is not needed: cancellation ends the loop.
        for await scan in scans.cancelOnGracefulShutdown() {
            guard duplicates.admit(source: scan.source, text: scan.text, at: ContinuousClock.now - origin) else {
                logger.debug("duplicate scan dropped", metadata: ["source": "\(scan.source)"])
                continue
            }
            let feedback: ScanFeedback
            do {
                feedback = try counter.handle(scan)
            } catch {
                // The store itself failed (disk full, read-only, damaged): nothing was saved,
                // and the clerk must hear a rejection, not silence.
                logger.error("扫描未保存 scan NOT saved: \(error)", metadata: ["source": "\(scan.source)", "text": "\(scan.text)"])
                feedback = .storeFailed(scan, error: error)
            }
            for indicator in indicators { await indicator.show(feedback) }
        }
    }
}

/// Feedback as a log line and a line on standard output (the counter's terminal).
struct LogIndicator: ScanIndicator {
    let logger: Logger

    func show(_ feedback: ScanFeedback) async {
        let line = FeedbackLine.format(feedback)
        if feedback.accepted {
            logger.info("\(line)", metadata: ["scan": "\(feedback.scanID)", "movement": "\(feedback.movement?.seq.map(String.init) ?? "-")"])
        } else {
            logger.warning("\(line)", metadata: ["scan": "\(feedback.scanID)"])
        }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Copies each scanner source's status into the health board, once a second.
struct ScannerHealth: Service {
    let sources: [any ScanSource]
    let health: HealthBoard

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            for source in sources {
                let status: HealthBoard.Status = switch source.status {
                case .connected(let d): .ok("connected \(d)")
                case .starting: .ok("starting")
                case .stopped: .ok("stopped")
                case .waiting(let why): .degraded(why)
                }
                health.set("scanner:\(source.name)", status)
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
