import Foundation
import GRDB

/// One thing to print, kept in the store until a printer has taken it: a printer that is
/// offline or out of paper leaves the job waiting, retried, never dropped.
///
/// A job that fails for its own reason (a bin or work order that no longer exists, a label
/// that cannot be made, a job the printer refuses) does not hold up the jobs behind it; it is
/// tried again after a pause and given up after ``PrintRetryPolicy/standard``'s bound
/// (10 attempts or an hour, whichever comes first): it is then ``State-swift.enum/failed``,
/// out of the queue, with its last error.
///
/// A job names what to print (`kind` and `subjects`), not the bytes: it is rendered when it
/// is sent, from the store as it is then.
public struct PrintJob: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "print_job"

    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// Bin labels; subjects are bin codes.
        case bins
        /// Part labels; subjects are part numbers (a lot after a `|`).
        case parts
        /// The sheet of command barcodes; no subjects.
        case commands
        /// Technicians' badges; subjects are badge numbers.
        case badges
        /// Customers' job tickets; subjects are ticket codes.
        case ticket
        /// The slip that goes with parts that arrived for a bay, on the receipt printer, queued
        /// by kioskd when they arrive; subjects are parts request ids.
        case partsArrival = "parts-arrival"
        /// The SSCC label of a carton shipped to a sister store; subjects are SSCCs.
        case carton
        /// A purchase order's sheet, whose code opens a delivery at the counter; subjects are order numbers.
        case purchaseOrder = "purchase-order"
        /// The slip that goes with parts sent back to the supplier; subjects are the returns' movement keys.
        case supplierReturn = "supplier-return"
        /// What a delivery came to against its order (ordered, received, short, over, damaged); subjects are delivery ids.
        case delivery
    }

    public var id: Int64?
    /// Idempotency key: the same request twice is one job.
    public var key: UUID
    /// The printer's name in the config (`[[printers]] name`).
    public var printer: String
    public var kind: Kind
    public var subjects: [String]
    public var copies: Int
    public var requestedBy: String
    public var createdAt: Date
    public var attempts: Int
    public var lastError: String?
    public var lastAttemptAt: Date?
    public var printedAt: Date?
    public var cancelledAt: Date?
    /// Until when a process is sending the job (see ``PrintQueue/claim(_:for:at:)``), or, after
    /// a failure of the job's own, until when it waits before its next try.
    public var claimedUntil: Date?

    public var isWaiting: Bool { printedAt == nil && cancelledAt == nil }

    /// Where a job stands.
    public enum State: String, Codable, Sendable, Hashable, CaseIterable {
        /// In the queue (perhaps failed before, see `lastError`).
        case waiting
        /// Delivered to its printer.
        case printed
        /// Taken out of the queue by a person.
        case cancelled
        /// Given up by kioskd: it failed for its own reason too often or for too long;
        /// `lastError` says why. Print it again once the cause is fixed.
        case failed
    }

    /// Where the job stands. A given-up job is stored as cancelled (so that nothing sends it)
    /// with a `lastError` that starts with ``gaveUpMarker``.
    public var state: State {
        if printedAt != nil { return .printed }
        guard cancelledAt != nil else { return .waiting }
        return lastError?.hasPrefix(Self.gaveUpMarker) == true ? .failed : .cancelled
    }

    /// How the `lastError` of a given-up job begins.
    public static let gaveUpMarker = "已放弃 gave up: "

    public init(key: UUID = UUID(), printer: String, kind: Kind, subjects: [String], copies: Int = 1, requestedBy: String, at time: Date = Date()) {
        self.key = key
        self.printer = printer
        self.kind = kind
        self.subjects = subjects
        self.copies = copies
        self.requestedBy = requestedBy
        createdAt = time
        attempts = 0
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Why a print request was refused (nothing is queued).
public enum PrintRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    case nothingToPrint(String)
    case unknownJob(Int64)

    public var description: String {
        switch self {
        case .nothingToPrint(let what): "没有可打印的内容 / nothing to print: \(what)"
        case .unknownJob(let id): "未知打印任务 #\(id) / no print job #\(id)"
        }
    }
}

/// Why an attempt at a job failed, which decides what happens next.
public enum PrintFailureCause: Sendable, Hashable {
    /// The printer cannot print anything now (off, no paper, paused, cover open, not in the
    /// config): every job on it waits, none is given up, and it is tried again later.
    case printer
    /// This job cannot be printed (what it names is gone, its label cannot be made, the
    /// printer refused it): the jobs behind it go ahead, and it is retried after a pause
    /// until ``PrintRetryPolicy`` gives it up.
    case job
}

/// How long a job that fails for its own reason is retried.
///
/// It is given up at the failure that makes `maxAttempts` attempts in all, or at its first
/// failure once it is `maxAge` old, whichever comes first (10 attempts or an hour by default;
/// with the pauses below, 10 attempts take about 46 minutes). Between tries it waits
/// `firstPause`, doubling up to `longestPause`. Failures of the printer never give a job up,
/// but they count among its attempts.
public struct PrintRetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var maxAge: TimeInterval
    public var firstPause: TimeInterval
    public var longestPause: TimeInterval

    public init(maxAttempts: Int = 10, maxAge: TimeInterval = 3600, firstPause: TimeInterval = 15, longestPause: TimeInterval = 600) {
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
        self.firstPause = firstPause
        self.longestPause = longestPause
    }

    /// 10 attempts or an hour; 15 s between tries, doubling to 10 minutes.
    public static let standard = PrintRetryPolicy()

    /// The pause after a job's `attempts`-th attempt failed for its own reason.
    public func pause(afterAttempts attempts: Int) -> TimeInterval {
        min(firstPause * pow(2, Double(max(attempts, 1) - 1)), longestPause)
    }
}

/// The queue of print jobs in the store.
public struct PrintQueue: Sendable {
    let database: KioskDatabase

    /// Queues a job (once per key) and returns it as stored.
    @discardableResult
    public func enqueue(_ job: PrintJob) throws -> PrintJob {
        try database.pool.write { db in
            if let existing = try PrintJob.filter(Column("key") == job.key).fetchOne(db) { return existing }
            var job = job
            try job.insert(db)
            return job
        }
    }

    /// Bin codes from `from` to `to` (in code order), for bin labels.
    public func bins(from: String, to: String) throws -> [String] {
        let codes = try database.pool.read { try String.fetchAll($0, sql: "SELECT code FROM bin WHERE code BETWEEN ? AND ? ORDER BY code", arguments: [from, to]) }
        guard !codes.isEmpty else { throw PrintRequestError.nothingToPrint("库位 \(from)…\(to) 不存在 / no bins from \(from) to \(to)") }
        return codes
    }

    /// Jobs not printed yet, oldest first (optionally for one printer).
    public func waiting(printer: String? = nil) throws -> [PrintJob] {
        try database.pool.read { db in
            var request = PrintJob.filter(Column("printedAt") == nil && Column("cancelledAt") == nil)
            if let printer { request = request.filter(Column("printer") == printer) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    /// The newest jobs, newest first.
    public func recent(limit: Int = 30) throws -> [PrintJob] {
        try database.pool.read { try PrintJob.order(Column("id").desc).limit(limit).fetchAll($0) }
    }

    public func job(_ id: Int64) throws -> PrintJob? {
        try database.pool.read { try PrintJob.fetchOne($0, key: id) }
    }

    /// Takes a waiting job for sending, unless another process has it: the daemon and a CLI
    /// call never send the same job at once. Returns whether this process has it now.
    public func claim(_ id: Int64, for duration: TimeInterval = 120, at time: Date = Date()) throws -> Bool {
        try database.pool.write { db in
            try db.execute(sql: """
                UPDATE print_job SET claimedUntil = ? WHERE id = ? AND printedAt IS NULL AND cancelledAt IS NULL
                AND (claimedUntil IS NULL OR claimedUntil < ?)
                """, arguments: [time.addingTimeInterval(duration), id, time])
            return db.changesCount == 1
        }
    }

    /// Records a delivered job.
    public func markPrinted(_ id: Int64, at time: Date = Date()) throws {
        try database.pool.write { db in
            try db.execute(sql: "UPDATE print_job SET printedAt = ?, lastAttemptAt = ?, attempts = attempts + 1, lastError = NULL, claimedUntil = NULL WHERE id = ? AND printedAt IS NULL",
                           arguments: [time, time, id])
        }
    }

    /// Records a failed attempt of the printer's (``PrintFailureCause/printer``); the job
    /// stays in the queue.
    public func markFailed(_ id: Int64, error: String, at time: Date = Date()) throws {
        try recordFailure(id, error: error, cause: .printer, at: time)
    }

    /// Records a failed attempt and decides what comes next, in one transaction: a failure of
    /// the printer leaves the job waiting; a failure of the job's own makes it wait
    /// `policy.pause(afterAttempts:)` before its next try, or gives it up when `policy` says
    /// so (``PrintJob/State-swift.enum/failed``). Returns the job as stored now.
    @discardableResult
    public func recordFailure(_ id: Int64, error: String, cause: PrintFailureCause, at time: Date = Date(),
                              policy: PrintRetryPolicy = .standard) throws -> PrintJob? {
        try database.pool.write { db in
            guard var job = try PrintJob.fetchOne(db, key: id) else { return nil }
            guard job.isWaiting else { return job }
            job.attempts += 1
            job.lastAttemptAt = time
            job.lastError = error
            job.claimedUntil = nil
            if cause == .job {
                let age = time.timeIntervalSince(job.createdAt)
                if job.attempts >= policy.maxAttempts || age >= policy.maxAge {
                    job.cancelledAt = time
                    job.lastError = PrintJob.gaveUpMarker
                        + "尝试 \(job.attempts) 次、历时 \(Int(age / 60)) 分钟仍无法打印 / \(job.attempts) attempts over \(Int(age / 60)) min; "
                        + "最后一次 the last: \(error); 请排除原因后重新打印 / fix the cause, then print it again"
                } else {
                    job.claimedUntil = time.addingTimeInterval(policy.pause(afterAttempts: job.attempts))
                }
            }
            try job.update(db)
            return job
        }
    }

    /// Takes a job out of the queue without printing it (the clerk's choice). A job printed,
    /// cancelled or given up already stays as it is.
    public func cancel(_ id: Int64, at time: Date = Date()) throws {
        try database.pool.write { db in
            guard try PrintJob.exists(db, key: id) else { throw PrintRequestError.unknownJob(id) }
            try db.execute(sql: "UPDATE print_job SET cancelledAt = ? WHERE id = ? AND printedAt IS NULL AND cancelledAt IS NULL", arguments: [time, id])
        }
    }

    /// Has parts that arrive for a bay queue their slip on `printer` (the receipt printer), in
    /// the transaction of the movement that brought them; none when `nil`.
    public func setArrivalSlips(printer: String?) throws {
        guard try database.pool.read({ try KioskMeta.value("slip_printer", in: $0) }) != printer else { return }
        try database.pool.write { db in
            if let printer { try KioskMeta.set("slip_printer", printer, in: db) } else { try KioskMeta.remove("slip_printer", in: db) }
        }
    }

    /// Has every new work order queue its customer's job ticket on `printer` (in the same
    /// transaction as the work order, whoever opens it: the desk's scan, the CLI, an
    /// appointment), or stops it when `nil`.
    public func setTicketOnCheckIn(printer: String?) throws {
        guard try database.pool.read({ try KioskMeta.value("ticket_printer", in: $0) }) != printer else { return }
        try database.pool.write { db in
            if let printer { try KioskMeta.set("ticket_printer", printer, in: db) } else { try KioskMeta.remove("ticket_printer", in: db) }
        }
    }
}

extension KioskDatabase {
    /// Labels and tickets waiting for their printers.
    public var printQueue: PrintQueue { PrintQueue(database: self) }
}
