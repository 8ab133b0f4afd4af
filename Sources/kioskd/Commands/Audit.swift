import ArgumentParser
import Foundation
import KioskCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log (审计日志): security-relevant actions, hash-chained and append-only.",
        subcommands: [List.self, Verify.self])

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

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain: finds any entry edited, removed or reordered (exit 8).")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let result = try db.audit.verify()
            print(result.description)
            if !result.isIntact { throw ExitCode(8) }
        }
    }
}
