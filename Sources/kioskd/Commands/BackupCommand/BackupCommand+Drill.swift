import ArgumentParser
import Foundation
import KioskCore

extension BackupCommand {
    struct Drill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore drill: take an increment, restore the chain into a scratch folder, check integrity, compare row counts and content with the store (exit 9 on a mismatch).")
        @OptionGroup var folder: Folder
        @Option(help: "Scratch folder (default: a temporary one).") var scratch: String?
        func run() async throws {
            let (_, backups) = try folder.open()
            let dir = scratch.map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-drill-\(UUID().uuidString)")
            let progress = TerminalProgress()
            let report = try progress.run { handler in try backupRefusing { try backups.drill(scratch: dir, progress: handler) } }
            progress.finish("恢复演练完成 restore drill done")
            try? FileManager.default.removeItem(at: dir)
            try backups.database.audit.record(.backupRestored, actor: cliActor,
                                              detail: "drill \(report.isGood ? "passed" : "FAILED"): \(report.restoredFrom.joined(separator: ", "))")
            print("restored from\t\(report.restoredFrom.joined(separator: " + "))")
            print("integrity_check\t\(report.integrity)")
            print("row counts\t\(report.rowCountsMatch ? "match" : "DIFFER")")
            print("content hash\t\(report.contentMatches ? "match" : "DIFFERS")")
            print(String(format: "backup %.2f s, restore %.2f s", report.backupSeconds, report.restoreSeconds))
            print(report.isGood ? "恢复演练通过 restore drill passed" : "恢复演练失败 restore drill FAILED")
            if !report.isGood { throw ExitCode(9) }
        }
    }
}
