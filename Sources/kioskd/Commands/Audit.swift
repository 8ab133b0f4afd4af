import ArgumentParser
import Foundation
import KioskCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log (审计日志): security-relevant actions, hash-chained, append-only, and anchored with a key.",
        subcommands: [List.self, Verify.self, Head.self])

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
            abstract: "Check the hash chain and its anchor: finds any entry edited, removed or reordered, a log cut short, and a forged anchor (exit 8).",
            discussion: """
                The anchor is an HMAC of the newest entry under a key derived from the personal-data key, kept in \
                kiosk_meta and moved with every entry. A log whose newest entries were deleted no longer reaches \
                its anchor; someone without the key cannot make a new one. A store that had entries before anchoring \
                is anchored when kioskd first opens it (an audit.anchored entry); a second such entry means the \
                anchor had been removed, and is reported.
                """)
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let result = try db.audit.verify()
            print(result.description)
            if !result.isIntact { throw ExitCode(8) }
        }
    }

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
