import ArgumentParser
import Foundation
import KioskCore
import Labels

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
    let spooler = PrintSpooler(database: db, printers: config.printers, settings: config.labelSettings())
    let printer: PrinterConfig
    do { printer = try spooler.printer(named: printerName) } catch { throw Refused(error.description) }
    // Render once before queueing: a label that cannot be made (unknown bin, code too long)
    // is refused now, with nothing queued.
    let job = PrintJob(printer: printer.name, kind: kind, subjects: subjects, copies: options.copies, requestedBy: cliActor)
    let progress = TerminalProgress()
    do {
        let labels = try spooler.labels(for: job)
        _ = try progress.run { try spooler.documents(for: labels, format: printer.format, dpi: printer.dpi, progress: $0) }
        progress.finish("已生成 rendered \(TerminalProgress.grouped(labels.count)) labels")
    } catch {
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
