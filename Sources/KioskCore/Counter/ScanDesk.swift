import Dispatch
import Foundation
import Logging
import Synchronization

/// The scans waiting for the counter, from every source, in the order they arrived. A
/// scanner's thread hands its scan over with ``enqueue(_:)``, which never blocks and never
/// drops: a scan read from a device is kept even when a script floods the FIFO faster than
/// the store commits. The ``ScanDesk``'s thread takes them one at a time.
public final class ScanQueue: Sendable {
    struct Entry: Sendable {
        /// `nil`: a marker, answered once everything queued before it was handled.
        let scan: ScanEvent?
        let reply: (@Sendable (ScanFeedback?) -> Void)?
    }
    private let entries = Mutex<(waiting: [Entry], head: Int, closed: Bool)>(([], 0, false))
    private let ready = DispatchSemaphore(value: 0)
    private let unfinished = Atomic<Int>(0)

    public init() {}

    /// Scans queued and not yet handled (the one being committed included).
    public var pending: Int { unfinished.load(ordering: .acquiring) }

    /// Queues a scan from a scanner's thread: never blocks. Only once the desk that takes
    /// from this queue is gone (the process is ending) is a scan turned away, with a line on
    /// standard error: it was never acknowledged, so the clerk sees no lamp and scans again.
    public func enqueue(_ scan: ScanEvent) {
        push(Entry(scan: scan, reply: nil))
    }

    func push(_ entry: Entry) {
        let accepted = entries.withLock { queue -> Bool in
            guard !queue.closed else { return false }
            queue.waiting.append(entry)
            if entry.scan != nil { unfinished.add(1, ordering: .relaxed) }
            return true
        }
        if accepted {
            ready.signal()
        } else if let reply = entry.reply {
            reply(nil)
        } else if let scan = entry.scan {
            FileHandle.standardError.write(Data("kioskd is stopping: scan \(scan.id) from \(scan.source) was not saved\n".utf8))
        }
    }

    /// The next entry, waiting for one; `nil` once closed and empty. Every entry and the
    /// close each signal once, so a wake finds an entry or, only after the close, none.
    func next() -> Entry? {
        ready.wait()
        return entries.withLock { queue -> Entry? in
            guard queue.head < queue.waiting.count else { return nil }
            let entry = queue.waiting[queue.head]
            queue.head += 1
            // Compacted once the front half is spent: O(1) per scan, however deep the queue.
            if queue.head >= 64, queue.head * 2 >= queue.waiting.count {
                queue.waiting.removeFirst(queue.head)
                queue.head = 0
            }
            return entry
        }
    }

    /// One scan taken with ``next()`` was handled and shown.
    func finished() {
        unfinished.subtract(1, ordering: .releasing)
    }

    /// Stops taking scans; the ones already queued are still handled.
    func close() {
        let wasOpen = entries.withLock { queue in defer { queue.closed = true }; return !queue.closed }
        if wasOpen { ready.signal() }
    }
}

/// The one path every scan takes, whatever its source (a HID, serial or camera scanner, the
/// FIFO, the counter page): the source's duplicate window per code, the counter's single
/// transaction, then every indicator (stack light and buzzer, log, page, metrics), in the
/// order they were given.
///
/// All of it runs on one thread of the desk's own, one scan at a time in the order the scans
/// were queued: a scanner's thread only queues (an SD card's fsync can take 100 ms, and a
/// fast scanner must not overflow its device's buffer meanwhile), and the desk's thread
/// commits with the store's synchronous write and lights the lamp itself, with no task or
/// queue in between. Nothing here runs on Swift's cooperative threads, so a slow fsync holds
/// none of them.
public final class ScanDesk: Sendable {
    /// Where scans wait for the desk's thread.
    public let queue: ScanQueue

    /// Starts the desk's thread, which handles what `queue` holds until the desk is released.
    public init(counter: Counter, queue: ScanQueue = ScanQueue(), duplicates: DuplicateFilter = DuplicateFilter(),
                indicators: [any ScanIndicator], logger: Logger) {
        self.queue = queue
        let thread = Thread { [queue] in
            nameCurrentThread(Self.threadName)
            var duplicates = duplicates
            while let entry = queue.next() {
                guard let scan = entry.scan else { entry.reply?(nil); continue }
                let feedback = Self.handle(scan, counter: counter, duplicates: &duplicates, logger: logger)
                if let feedback { for indicator in indicators { indicator.show(feedback) } }
                queue.finished()
                entry.reply?(feedback ?? .duplicateIgnored(scan))
            }
        }
        thread.name = Self.threadName
        thread.start()
    }

    /// The desk's thread, as `top -H` and `ps -L` show it.
    static let threadName = "kioskd-counter"

    deinit { queue.close() }

    /// The duplicate window, then the counter's transaction. `nil`: a repeat dropped silently.
    private static func handle(_ scan: ScanEvent, counter: Counter, duplicates: inout DuplicateFilter, logger: Logger) -> ScanFeedback? {
        // Judged by when the scan was made, not when its turn came: scans queue up while a
        // commit runs, and a scanner's repeated reads must not fall out of the window because
        // the first of them took long to book.
        // A read that failed (keys the kernel dropped) has no code to compare: each one is a
        // loss of its own, and the clerk must hear "scan again" every time, never a second
        // loss as "duplicate ignored".
        if scan.readFailure == nil {
            switch duplicates.verdict(source: scan.source, text: scan.text, at: .seconds(scan.time.timeIntervalSinceReferenceDate)) {
            case .suppressed:
                logger.debug("duplicate scan dropped", metadata: ["source": "\(scan.source)"])
                return nil
            case .duplicate:
                return .duplicateIgnored(scan)
            case .admit:
                break
            }
        }
        do {
            return try counter.handle(scan)
        } catch {
            // The store itself failed (disk full, read-only, damaged): nothing was saved,
            // and the clerk must hear a rejection, not silence.
            logger.error("扫描未保存 scan NOT saved: \(error)", metadata: ["source": "\(scan.source)"])
            return .storeFailed(scan, error: error)
        }
    }

    /// Handles one scan, after those queued before it, and returns the feedback shown (the
    /// counter page's path). Never throws: a store failure is feedback too
    /// (``ScanOutcome/storeFault``), so the clerk hears it.
    @discardableResult
    public func submit(_ scan: ScanEvent) async -> ScanFeedback {
        await withCheckedContinuation { continuation in
            queue.push(.init(scan: scan, reply: { continuation.resume(returning: $0 ?? .storeFailed(scan, error: ScanDeskClosed())) }))
        }
    }

    /// Returns once every scan queued before the call has been handled and shown.
    public func handledSoFar() async {
        await withCheckedContinuation { continuation in
            queue.push(.init(scan: nil, reply: { _ in continuation.resume() }))
        }
    }
}

/// A scan submitted after the desk stopped (the daemon is shutting down): not saved.
public struct ScanDeskClosed: Error, CustomStringConvertible {
    public var description: String { "kioskd is stopping: the scan was not saved; scan it again once kioskd is back" }
}
