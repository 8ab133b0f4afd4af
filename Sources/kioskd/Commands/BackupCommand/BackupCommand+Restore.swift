import ArgumentParser
import Foundation
import KioskCore

extension BackupCommand {
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore the newest backup chain into a new database file. Stop kioskd, then move the file to <data_dir>/kioskd.sqlite.")
        @OptionGroup var folder: Folder
        @Argument(help: "Where to write the restored database (must not exist).") var target: String
        @Option(help: "Restore up to this backup file instead of the newest.") var upTo: String?
        @Flag(help: "Restore backups that are not signed (made before kioskd signed its backups). Only if nobody else can have written to the backup folder.")
        var trustUnsigned = false
        func run() async throws {
            let (_, backups) = try folder.open()
            let started = Date()
            let progress = TerminalProgress()
            let files = try progress.run { handler in
                try backupRefusing { try backups.restore(to: target, upTo: upTo, trustUnsigned: trustUnsigned, progress: handler) }
            }
            progress.finish("已恢复 restored \(files.count) backup files into \(target)")
            try backups.database.audit.record(.backupRestored, actor: cliActor,
                                              detail: "into \(target) from \(files.joined(separator: ", "))\(trustUnsigned ? " (--trust-unsigned)" : "")")
            print("已恢复 restored \(target) from \(files.joined(separator: " + "))\t\(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}
