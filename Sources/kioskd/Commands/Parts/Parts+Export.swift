import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

extension Parts {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the parts catalogue as CSV (the columns `parts import` reads, so the file imports back unchanged).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The CSV file to write (- for standard output).") var file: String

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let progress = TerminalProgress()
            let (csv, rows) = try database.catalog.exportParts(progress: progress.handler)
            if file == "-" {
                FileHandle.standardOutput.write(Data(csv.utf8))
            } else {
                do { try progress.run { _ in try Data(csv.utf8).write(to: URL(fileURLWithPath: file), options: .atomic) } } catch {
                    throw Refused("无法写入 cannot write \(file): \(error.localizedDescription)")
                }
            }
            progress.finish("已导出 exported \(TerminalProgress.grouped(rows)) parts to \(file == "-" ? "standard output" : file)")
        }
    }
}
