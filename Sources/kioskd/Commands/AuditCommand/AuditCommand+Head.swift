import ArgumentParser
import Foundation
import KioskCore

extension AuditCommand {
    struct Head: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The newest entry's sequence and hash: keep it elsewhere to check later that the log was not cut short.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            guard let head = try db.audit.head() else { print("审计日志为空 the audit log is empty"); return }
            print("#\(head.seq)\t\(head.hash)")
        }
    }
}
