import ArgumentParser
import Foundation
import KioskCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log (审计日志): security-relevant actions, hash-chained, append-only, and anchored with a key.",
        subcommands: [List.self, Verify.self, Head.self])
}
