import ArgumentParser
import Foundation
import KioskCore
import Labels

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
        let spooler = PrintSpooler(database: db, printers: config.printers, settings: config.labelSettings())
        let files: [Data]
        let progress = TerminalProgress()
        do {
            let labels = try spooler.labels(for: PrintJob(printer: "preview", kind: kind, subjects: subjects, requestedBy: cliActor))
            files = try progress.run { try spooler.documents(for: labels, format: format, dpi: dpi, progress: $0) }
            progress.finish("已生成 rendered \(TerminalProgress.grouped(labels.count)) labels on \(files.count) files")
        } catch {
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
