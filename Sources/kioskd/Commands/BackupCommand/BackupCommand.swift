import ArgumentParser
import Foundation
import KioskCore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Backups of the store (备份): full copies and increments, verify, restore, restore drill, retention.",
        subcommands: [Now.self, List.self, Verify.self, Restore.self, Drill.self, Prune.self])

    struct Folder: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "The backup folder (default: <data_dir>/backups; better on another disk).") var dir: String?

        func open() throws -> (KioskConfig, Backups) {
            let (config, db) = try store.openDatabase()
            let folder = dir ?? config.backupDirectory
            return (config, Backups(database: db, directory: URL(fileURLWithPath: folder)))
        }
    }

    static func describe(_ r: BackupRecord) -> String {
        [r.kind.rawValue, r.file, ISO8601DateFormatter().string(from: r.createdAt),
         "movements \(r.rowCounts["stock_movement"] ?? 0)", "base \(r.base)", "audit #\(r.auditHead?.seq ?? 0)"].joined(separator: "\t")
    }
}
