import ArgumentParser
import Foundation
import KioskCore

extension BackupCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The backups in the folder, oldest first.")
        @OptionGroup var folder: Folder
        func run() async throws {
            let backups = try folder.open().1
            let records = try backups.list()
            for (record, trust) in zip(records, backups.trust(records)) {
                let signature = switch trust {
                case .signed: "signed"
                case .unsigned: "UNSIGNED 未签名"
                case .otherKey: "OTHER KEY 其他密钥"
                case .altered: "ALTERED 已被改动"
                }
                print(BackupCommand.describe(record) + "\t" + signature)
            }
        }
    }
}
