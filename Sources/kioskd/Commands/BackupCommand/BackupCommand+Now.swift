import ArgumentParser
import Foundation
import KioskCore

extension BackupCommand {
    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a backup now: an increment over the last one, or --full.")
        @OptionGroup var folder: Folder
        @Flag(help: "A full copy (SQLite online backup) instead of an increment.") var full = false
        func run() async throws {
            let (_, backups) = try folder.open()
            let started = Date()
            let progress = TerminalProgress()
            let record = try progress.run { try full ? backups.full(progress: $0) : backups.incremental(progress: $0) }
            progress.finish("已备份 backed up \(record.file)")
            try backups.database.audit.record(.backupTaken, actor: cliActor, detail: "\(record.kind.rawValue) \(record.file)")
            print("已备份 backed up\t\(BackupCommand.describe(record))\t\(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}
