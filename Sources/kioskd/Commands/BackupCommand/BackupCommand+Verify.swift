import ArgumentParser
import Foundation
import KioskCore

extension BackupCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every record's signature and file name, every backup file's hash, and each full backup's integrity (exit 9 on a problem).")
        @OptionGroup var folder: Folder
        func run() async throws {
            var damaged = false
            let progress = TerminalProgress()
            let results = try progress.run { try folder.open().1.verify(progress: $0) }
            progress.finish("已校验 verified \(results.count) backups: \(results.filter { $0.1 != nil }.count) damaged")
            for (record, problem) in results {
                print("\(problem == nil ? "ok" : "DAMAGED")\t\(record.file)\(problem.map { "\t\($0)" } ?? "")")
                damaged = damaged || problem != nil
            }
            if damaged { throw ExitCode(9) }
        }
    }
}
