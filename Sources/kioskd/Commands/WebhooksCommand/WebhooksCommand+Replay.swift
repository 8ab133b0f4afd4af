import ArgumentParser
import Foundation
import KioskCore

extension WebhooksCommand {
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead deliveries again (the receiver drops an event it already has, by its id). Audited.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Event ids from `kioskd webhooks dead`.") var events: [String] = []
        @Flag(help: "Every delivery on the dead-letter list.") var all = false
        @Option(help: "Only the deliveries to this endpoint.") var endpoint: String?
        @Option(help: "Who replays, for the audit log (default: cli:<your login>).") var actor: String?

        func validate() throws {
            guard all != !events.isEmpty else { throw ValidationError("give event ids, or --all") }
        }

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let count = try db.webhooks.replay(eventIDs: all ? nil : events, endpoint: endpoint, actor: actor ?? cliActor)
            print("重新发送 \(count) 条 / \(count) delivery(ies) go again" + (count == 0 ? ": none of these is on the dead-letter list (kioskd webhooks dead)" : ""))
            if count == 0 { throw ExitCode(1) }
        }
    }
}
