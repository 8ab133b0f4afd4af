import ArgumentParser
import Foundation
import KioskCore

extension AuditCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every entry: sequence, time, actor, action, detail.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for e in try db.audit.entries() {
                print(["#\(e.seq)", ISO8601DateFormatter().string(from: e.at), e.actor, e.action.rawValue, e.detail].joined(separator: "\t"))
            }
        }
    }
}
