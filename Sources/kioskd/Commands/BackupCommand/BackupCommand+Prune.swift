import ArgumentParser
import Foundation
import KioskCore

extension BackupCommand {
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep the newest N full backups and their increments; delete older ones.")
        @OptionGroup var folder: Folder
        @Option(help: "Full backups to keep (weekly fulls: 4 keeps about a month).") var keepFull = 4
        func run() async throws {
            for file in try folder.open().1.prune(keepFull: keepFull) { print("已删除 removed \(file)") }
        }
    }
}
