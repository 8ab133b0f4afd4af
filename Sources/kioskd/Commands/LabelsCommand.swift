import ArgumentParser
import Foundation
import KioskCore
import Labels

/// Printing from the command line: the job is queued in the store first, then sent at once;
/// a printer that is off or out of paper leaves it queued (exit 9) for the daemon to retry.
struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Print bin and part labels, the command sheet and badges (标签打印).",
        discussion: """
            Printers are [[printers]] in the config; [labels] label_printer is the default. A job that \
            cannot be printed now stays queued and exits with status 9; the daemon (or \
            `kioskd print-queue retry`) prints it when the printer is back. `labels preview` writes a PDF or \
            PNG without a printer.
            """,
        subcommands: [BinsLabels.self, PartsLabels.self, CommandSheet.self, Badges.self, Preview.self])
}

struct PrintOptions: ParsableArguments {
    @Option(help: "The printer's name (default: [labels] label_printer, or ticket_printer for tickets).") var printer: String?
    @Option(help: "Copies of each label (1–100).") var copies: Int = 1

    func validate() throws {
        guard (1...100).contains(copies) else { throw ValidationError("--copies \(copies) is outside 1…100") }
    }
}

/// Queues a job and tries to print it now; exit 9 when it stays queued.
func printNow(_ kind: PrintJob.Kind, _ subjects: [String], options: PrintOptions, store: StoreOptions, ticket: Bool = false) throws {
    let (config, db) = try store.openDatabase()
    guard let printerName = options.printer ?? (ticket ? config.labels.ticketPrinter : config.labels.labelPrinter) ?? config.printers.first?.name else {
        throw Refused(PrinterError.unknownPrinter(ticket ? "[labels] ticket_printer" : "[labels] label_printer", known: []).description)
    }
    let spooler = PrintSpooler(database: db, printers: config.printers, settings: config.labels.settings)
    let printer: PrinterConfig
    do { printer = try spooler.printer(named: printerName) } catch { throw Refused(error.description) }
    // Render once before queueing: a label that cannot be made (unknown bin, code too long)
    // is refused now, with nothing queued.
    let job = PrintJob(printer: printer.name, kind: kind, subjects: subjects, copies: options.copies, requestedBy: cliActor)
    let progress = TerminalProgress()
    do {
        let labels = try spooler.labels(for: job)
        _ = try spooler.documents(for: labels, format: printer.format, dpi: printer.dpi, progress: progress.handler)
        progress.finish("已生成 rendered \(TerminalProgress.grouped(labels.count)) labels")
    } catch {
        progress.abandon()
        throw Refused("\(error)")
    }
    let queued = try db.printQueue.enqueue(job)
    do {
        try spooler.attempt(queued)
        print("✓ 已打印 printed job #\(queued.id ?? 0) (\(kind.rawValue), \(subjects.isEmpty ? "all" : "\(subjects.count)")) on \(printer.name) \(printer.address)")
    } catch {
        print("✗ \(error)")
        print("任务 #\(queued.id ?? 0) 已排队 / job #\(queued.id ?? 0) is queued: the daemon retries it, or run `kioskd print-queue retry`")
        throw ExitCode(9)
    }
}

struct BinsLabels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bins", abstract: "Bin labels (库位标签) for a range of bins, or the bins named.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Option(help: "The first bin of the range.") var from: String?
    @Option(help: "The last bin of the range (in code order).") var to: String?
    @Argument(help: "Bins by code (instead of a range).") var bins: [String] = []

    func run() async throws {
        var codes = bins
        if from != nil || to != nil {
            guard let from, let to else { throw ValidationError("give both --from and --to") }
            let (_, db) = try store.openDatabase()
            do { codes = try db.printQueue.bins(from: from, to: to) } catch { throw Refused("\(error)") }
        }
        guard !codes.isEmpty else { throw ValidationError("name bins, or give --from and --to") }
        try printNow(.bins, codes, options: options, store: store)
    }
}

struct PartsLabels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parts", abstract: "Part labels (配件标签): GS1-128 with the GTIN (and lot) when the part has one.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Option(help: "A lot/batch number for GS1 AI (10).") var lot: String?
    @Argument(help: "Part numbers.") var parts: [String]

    func run() async throws {
        try printNow(.parts, parts.map { part in lot.map { "\(part)|\($0)" } ?? part }, options: options, store: store)
    }
}

struct CommandSheet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commands", abstract: "The sheet of the counter's command barcodes (指令条码).")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    func run() async throws { try printNow(.commands, [], options: options, store: store) }
}

struct Badges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "badges", abstract: "Staff badges (工牌); all staff when none is named.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Argument(help: "Badge numbers.") var badges: [String] = []
    func run() async throws { try printNow(.badges, badges, options: options, store: store) }
}

struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview", abstract: "Write labels to a PDF or PNG file (A4 sheets) without a printer.",
        discussion: "KIND is bins, parts, commands, badges or ticket; SUBJECTS are bin codes, part numbers, badges or ticket codes.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "bins, parts, commands, badges or ticket") var kind: String
    @Argument var subjects: [String] = []
    @Option(help: "The file to write: .pdf, or .png (one file per sheet: NAME-1.png …).") var out: String
    @Option var dpi: Int = 300

    func run() async throws {
        guard let kind = PrintJob.Kind(rawValue: kind) else {
            throw ValidationError("\(kind) is not one of \(PrintJob.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let format: PrintFormat = out.lowercased().hasSuffix(".png") ? .png : .pdf
        let (config, db) = try store.openDatabase()
        let spooler = PrintSpooler(database: db, printers: config.printers, settings: config.labels.settings)
        let files: [Data]
        let progress = TerminalProgress()
        do {
            let labels = try spooler.labels(for: PrintJob(printer: "preview", kind: kind, subjects: subjects, requestedBy: cliActor))
            files = try spooler.documents(for: labels, format: format, dpi: dpi, progress: progress.handler)
            progress.finish("已生成 rendered \(TerminalProgress.grouped(labels.count)) labels on \(files.count) files")
        } catch {
            progress.abandon()
            throw Refused("\(error)")
        }
        let base = (out as NSString).deletingPathExtension
        for (index, file) in files.enumerated() {
            let path = files.count == 1 ? out : "\(base)-\(index + 1).png"
            try file.write(to: URL(fileURLWithPath: path))
            print(path)
        }
    }
}

struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ticket", abstract: "Print a customer's job ticket (取车凭证) with the QR code of the phone page.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Argument(help: "Ticket codes of work orders.") var tickets: [String]
    func run() async throws { try printNow(.ticket, tickets, options: options, store: store, ticket: true) }
}

struct PrintQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "print-queue", abstract: "Print jobs waiting for their printers.",
                                                    subcommands: [List.self, Retry.self, Cancel.self], defaultSubcommand: List.self)
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest jobs and what became of them.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for job in try db.printQueue.recent() {
                let state = switch job.state {
                case .printed: "printed 已打印"
                case .cancelled: "cancelled 已取消"
                case .failed: "failed 已放弃"
                case .waiting: "waiting 等待中"
                }
                print(["#\(job.id ?? 0)", job.printer, job.kind.rawValue, job.subjects.joined(separator: ","), state,
                       "attempts=\(job.attempts)", job.lastError ?? ""].joined(separator: "\t"))
            }
        }
    }
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try every waiting job now.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (config, db) = try store.openDatabase()
            let round = try PrintSpooler(database: db, printers: config.printers, settings: config.labels.settings).drain()
            print("已打印 printed \(round.printed)")
            for (printer, failure) in round.failures.sorted(by: { $0.key < $1.key }) { print("✗ \(printer): \(failure)") }
            for (id, failure) in round.jobFailures.sorted(by: { $0.key < $1.key }) { print("✗ #\(id): \(failure)") }
            for job in round.gaveUp { print("✗ #\(job.id ?? 0) 已放弃 given up: \(job.lastError ?? "")") }
            let waiting = try db.printQueue.waiting().count
            if waiting > 0 { print("等待中 still waiting: \(waiting)"); throw ExitCode(9) }
        }
    }
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a job out of the queue without printing it.")
        @OptionGroup var store: StoreOptions
        @Argument var id: Int64
        func run() async throws {
            let (_, db) = try store.openDatabase()
            do { try db.printQueue.cancel(id) } catch { throw Refused("\(error)") }
            print("已取消 cancelled #\(id)")
        }
    }
}
