import Foundation
import GRDB
import KioskCore
import Logging
import ServiceLifecycle

/// What printed labels and tickets carry besides the store's records.
public struct LabelSettings: Sendable, Hashable {
    /// The store's name on job tickets.
    public var storeName: String
    /// Where the phone page is reached from outside: the ticket's QR code is this plus the token.
    public var trackURL: String
    /// A font file with Chinese glyphs (`nil`: Noto Sans CJK from fonts-noto-cjk).
    public var font: String?

    public init(storeName: String = "4S 店 Service", trackURL: String = "http://127.0.0.1:8080/track/", font: String? = nil) {
        self.storeName = storeName
        self.trackURL = trackURL
        self.font = font
    }
}

/// Turns print jobs into what their printer takes, and delivers them. A job that cannot be
/// delivered stays in the queue with the reason; the spooler tries it again later.
///
/// A failure is the printer's or the job's own (``cause(of:)``). A printer that cannot print
/// holds its jobs, all of them, until it can. A job that cannot be printed does not hold up
/// the jobs behind it on its printer: it waits for its next try, and ``retry`` bounds how long
/// it is tried before it is given up (``PrintJob/State-swift.enum/failed``).
public struct PrintSpooler: Sendable {
    public let database: KioskDatabase
    public let printers: [PrinterConfig]
    public let settings: LabelSettings
    /// How long a job that fails for its own reason is retried.
    public let retry: PrintRetryPolicy

    public init(database: KioskDatabase, printers: [PrinterConfig], settings: LabelSettings, retry: PrintRetryPolicy = .standard) {
        self.database = database
        self.printers = printers
        self.settings = settings
        self.retry = retry
    }

    /// Whose failure an error is. The printer's: it is off, out of paper, paused or open, not
    /// in the config, the font to draw labels with is missing, or the store cannot be read;
    /// every other job on it would fail the same way. Anything else is the job's own: what it
    /// names is gone, its label cannot be made, or the printer refused it.
    public static func cause(of error: any Error) -> PrintFailureCause {
        switch error {
        case PrinterError.rejected: .job
        case is PrinterError, is FontError, is DatabaseError: .printer
        default: .job
        }
    }

    public func printer(named name: String) throws(PrinterError) -> PrinterConfig {
        guard let printer = printers.first(where: { $0.name == name }) else { throw .unknownPrinter(name, known: printers.map(\.name)) }
        return printer
    }

    /// The labels of a job, from the store as it is now.
    public func labels(for job: PrintJob) throws -> [Label] {
        try database.pool.read { db in
            switch job.kind {
            case .bins:
                return try job.subjects.map { code in
                    guard let bin = try Bin.fetchOne(db, key: code) else { throw PrintRequestError.nothingToPrint("未知库位 \(code) / unknown bin \(code)") }
                    return Labels.bin(bin)
                }
            case .parts:
                return try job.subjects.map { subject in
                    let pieces = subject.split(separator: "|", maxSplits: 1).map(String.init)
                    guard let part = try Part.fetchOne(db, key: pieces[0]) else { throw PrintRequestError.nothingToPrint("未知配件 \(pieces[0]) / unknown part \(pieces[0])") }
                    let gtin = try String.fetchOne(db, sql: """
                        SELECT code FROM barcode WHERE partNumber = ? AND length(code) = 14 AND code GLOB '[0-9]*' ORDER BY code LIMIT 1
                        """, arguments: [part.partNumber])
                    return Labels.part(part, gtin14: gtin, lot: pieces.count > 1 ? pieces[1] : nil)
                }
            case .commands:
                return Labels.commands()
            case .badges:
                let technicians = job.subjects.isEmpty ? try Technician.order(Column("badge")).fetchAll(db)
                    : try job.subjects.map { badge in
                        guard let t = try Technician.fetchOne(db, key: badge) else { throw WorkshopError.unknownTechnician(badge) }
                        return t
                    }
                return technicians.map(Labels.badge)
            case .ticket:
                return try job.subjects.map { ticket in
                    guard let order = try WorkOrder.fetchOne(db, key: ticket) else { throw WorkshopError.unknownWorkOrder(ticket) }
                    return Labels.ticket(order, storeName: settings.storeName, trackURL: settings.trackURL)
                }
            case .partsArrival:
                return try job.subjects.map { id in
                    guard let uuid = UUID(uuidString: id), let request = try PartsRequest.fetchOne(db, key: uuid) else {
                        throw PrintRequestError.nothingToPrint("未知待料单 \(id) / no parts request \(id)")
                    }
                    return Labels.partsArrival(request, names: try Self.chineseNames(of: request.parts.map(\.partNumber), in: db))
                }
            case .purchaseOrder:
                return try job.subjects.map { number in
                    guard let order = try PurchaseOrder.fetchOne(db, key: number) else { throw PurchasingError.unknownOrder(number) }
                    return Labels.purchaseOrder(order, names: try Self.chineseNames(of: order.lines.map(\.partNumber), in: db))
                }
            case .delivery:
                return try job.subjects.map { key in
                    guard let uuid = UUID(uuidString: key), let delivery = try Delivery.fetchOne(db, key: uuid),
                          let order = try PurchaseOrder.fetchOne(db, key: delivery.orderNumber) else {
                        throw PrintRequestError.nothingToPrint("未知收货 \(key) / no delivery \(key)")
                    }
                    return Labels.deliverySummary(delivery, order: order, variance: try Purchasing.variance(of: order.number, in: db))
                }
            case .supplierReturn:
                return try job.subjects.map { key in
                    guard let uuid = UUID(uuidString: key), let returned = try SupplierReturn.fetchOne(db, key: uuid) else {
                        throw PrintRequestError.nothingToPrint("未知退货 \(key) / no return to the supplier \(key)")
                    }
                    return Labels.supplierReturn(returned, partName: try Self.chineseNames(of: [returned.partNumber], in: db)[returned.partNumber] ?? "")
                }
            case .carton:
                return try job.subjects.map { sscc in
                    guard let transfer = try StoreTransfer.fetchOne(db, key: sscc) else { throw TransferError.unknownCarton(sscc) }
                    return Labels.carton(transfer, partName: try Self.chineseNames(of: [transfer.partNumber], in: db)[transfer.partNumber] ?? "")
                }
            }
        }
    }

    /// The Chinese names of the parts a label lists, by part number (a part no longer in the catalogue has none).
    static func chineseNames(of partNumbers: [String], in db: Database) throws -> [String: String] {
        var names: [String: String] = [:]
        for number in partNumbers where names[number] == nil {
            if let part = try Part.fetchOne(db, key: number) { names[number] = part.nameZh }
        }
        return names
    }

    /// The files of a job in a format: one for ZPL, ESC/POS and PDF, one PNG per A4 sheet.
    /// `progress` hears of each label rendered (a sheet of 500 bin labels takes a while).
    public func documents(for labels: [Label], format: PrintFormat, dpi: Int, copies: Int = 1, progress: ProgressHandler? = nil) throws -> [Data] {
        let text = try TextRenderer(font: settings.font)
        let phase = "生成标签 rendering labels"
        let rendered = try labels.enumerated().map { index, label in
            if index % 10 == 0 { progress?(WorkProgress(phase: phase, done: index, total: labels.count, unit: "labels")) }
            return try label.render(dpi: dpi, text: text)
        }
        progress?(WorkProgress(phase: phase, done: labels.count, total: labels.count, unit: "labels"))
        switch format {
        case .zpl:
            return [rendered.reduce(into: Data()) { $0 += $1.zpl(copies: copies) }]
        case .escpos:
            return [rendered.reduce(into: Data()) { data, bitmap in
                let image = bitmap.escpos()
                for _ in 0..<copies { data += image }
            }]
        case .pdf:
            let bitmaps = rendered.flatMap { Array(repeating: $0, count: copies) }
            return [try PDFDocument.make(pages: Sheet.a4(bitmaps, dpi: dpi))]
        case .png:
            return try Sheet.a4(rendered, dpi: dpi).map { try $0.png() }
        }
    }

    /// Renders and sends one job; records the outcome in the queue. Throws what stopped it.
    /// Returns `false` when another process is sending it right now, or it waits for its next
    /// try after a failure of its own.
    @discardableResult
    public func attempt(_ job: PrintJob, at time: Date = Date()) throws -> Bool {
        switch try send(job, at: time) {
        case .printed: return true
        case .notNow: return false
        case .failed(let error, _, _): throw error
        }
    }

    /// What one attempt at a job came to.
    public enum Attempt: Sendable {
        case printed
        /// Another process is sending it, or it waits for its next try.
        case notNow
        /// It failed; `job` is the job as stored now (given up when its state is `failed`).
        case failed(any Error, cause: PrintFailureCause, job: PrintJob?)
    }

    /// Renders and sends one job and records the outcome in the queue, as ``attempt(_:at:)``
    /// does, returning the outcome instead of throwing it.
    public func send(_ job: PrintJob, at time: Date = Date()) throws -> Attempt {
        guard let id = job.id, try database.printQueue.claim(id, at: time) else { return .notNow }
        do {
            let printer = try printer(named: job.printer)
            let files = try documents(for: try labels(for: job), format: printer.format, dpi: printer.dpi, copies: job.copies)
            let link = PrinterLink(printer)
            for (index, file) in files.enumerated() {
                try link.send(file, name: files.count == 1 ? "job-\(id)-\(job.kind.rawValue)" : "job-\(id)-\(job.kind.rawValue)-\(index + 1)")
            }
            try database.printQueue.markPrinted(id, at: time)
            return .printed
        } catch {
            let cause = Self.cause(of: error)
            let stored = try database.printQueue.recordFailure(id, error: "\(error)", cause: cause, at: time, policy: retry)
            return .failed(error, cause: cause, job: stored)
        }
    }

    /// Tries every waiting job once, oldest first. A printer that failed is not tried again in
    /// the same round; a job that failed for its own reason does not stop the jobs behind it,
    /// and one waiting for its next try is passed over.
    public func drain(at time: Date = Date()) throws -> PrintRound {
        var round = PrintRound()
        for job in try database.printQueue.waiting() where round.failures[job.printer] == nil {
            if let held = job.claimedUntil, held >= time { continue }
            switch try send(job, at: time) {
            case .printed:
                round.printed += 1
            case .notNow:
                break
            case let .failed(error, cause, stored):
                if cause == .printer {
                    round.failures[job.printer] = "\(error)"
                } else if let stored, stored.state == .failed {
                    round.gaveUp.append(stored)
                } else {
                    round.jobFailures[job.id ?? 0] = "\(error)"
                }
            }
        }
        return round
    }
}

/// What one round of ``PrintSpooler/drain(at:)`` did.
public struct PrintRound: Sendable {
    /// Jobs delivered.
    public var printed = 0
    /// Printers that could not print, by name, and why: their jobs wait.
    public var failures: [String: String] = [:]
    /// Jobs that failed for their own reason and wait for their next try, by id, and why.
    public var jobFailures: [Int64: String] = [:]
    /// Jobs given up in this round (state `failed`, the reason in `lastError`).
    public var gaveUp: [PrintJob] = []
}

/// The daemon's printing: sends queued jobs as they come and retries waiting ones with a
/// growing pause (2 s doubling to a minute), reporting each printer's state to health. A job
/// that fails for its own reason is logged as a warning, and as an error when it is given up.
/// It wakes for the print queue's changes (the store's change stream) and, while jobs wait,
/// for their next try: with nothing queued it does not wake at all.
public struct PrintService: Service {
    let spooler: PrintSpooler
    let health: HealthBoard
    let logger: Logger
    /// How soon to look again while jobs wait and all is well (a job's own retry time).
    let poll: Duration

    public init(spooler: PrintSpooler, health: HealthBoard, logger: Logger, poll: Duration = .seconds(1)) {
        self.spooler = spooler
        self.health = health
        self.logger = logger
        self.poll = poll
    }

    public func run() async throws {
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let queueChanges = spooler.database.changes.subscribe(to: [.printing])
        for printer in spooler.printers { health.set("printer:\(printer.name)", .ok("ready at \(printer.address)")) }
        await withDiscardingTaskGroup { group in
            group.addTask { for await _ in queueChanges { wake.yield() } }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    await serve(wakes: wakes, wake: wake)
                } onCancel: { wake.finish() }
            } onGracefulShutdown: { wake.finish() }
            group.cancelAll()
        }
    }

    /// One round per wake-up: drain what is due, report each printer, then wait for the next
    /// change of the queue or, while jobs wait, their next try.
    private func serve(wakes: AsyncStream<Void>, wake: AsyncStream<Void>.Continuation) async {
        var pause = poll
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        var iterator = wakes.makeAsyncIterator()
        repeat {
            var next: Duration?
            do {
                let spooler = self.spooler
                let round = try await spooler.database.perform(.long) { try spooler.drain() }
                let failures = round.failures
                if round.printed > 0 { logger.info("printed \(round.printed) job(s)") }
                for (id, failure) in round.jobFailures.sorted(by: { $0.key < $1.key }) {
                    logger.warning("print job #\(id) failed, tried again later: \(failure)")
                }
                for job in round.gaveUp {
                    logger.error("打印任务已放弃 print job #\(job.id ?? 0) given up: \(job.lastError ?? "")",
                                 metadata: ["printer": "\(job.printer)", "kind": "\(job.kind.rawValue)", "attempts": "\(job.attempts)"])
                }
                var waitingJobs = 0
                for printer in spooler.printers {
                    let queue = spooler.database.printQueue, name = printer.name
                    let waiting = try await spooler.database.perform(.read) { try queue.waiting(printer: name).count }
                    waitingJobs += waiting
                    if let failure = failures[printer.name] {
                        health.set("printer:\(printer.name)", .degraded("\(failure) (\(waiting) job(s) waiting)"))
                        logger.warning("\(failure)", metadata: ["printer": "\(printer.name)", "waiting": "\(waiting)"])
                    } else {
                        health.set("printer:\(printer.name)", .ok("ready at \(printer.address)"))
                    }
                }
                pause = failures.isEmpty ? poll : min(pause * 2 == .zero ? .seconds(2) : max(pause * 2, .seconds(2)), .seconds(60))
                next = failures.isEmpty && waitingJobs == 0 ? nil : pause
            } catch {
                logger.error("print queue: \(error)")
                next = .seconds(5)
            }
            timer?.cancel()
            timer = next.map { pause in
                Task {
                    guard (try? await Task.sleep(for: pause)) != nil else { return }
                    wake.yield()
                }
            }
        } while await iterator.next() != nil
    }
}

