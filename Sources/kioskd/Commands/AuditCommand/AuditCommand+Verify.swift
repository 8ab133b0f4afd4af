import ArgumentParser
import Foundation
import KioskCore

extension AuditCommand {
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
}
