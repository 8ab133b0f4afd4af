import ArgumentParser
import Foundation
import KioskCore

extension WebhooksCommand {
    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The dead-letter list: deliveries that gave up after their endpoint's last try.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let dead = try db.webhooks.dead()
            if dead.isEmpty { print("死信为空 / the dead-letter list is empty") }
            for d in dead {
                print([d.endpoint, d.eventID, d.type, d.subject ?? "-", ISO8601DateFormatter().string(from: d.time), "\(d.attempts) tries", d.lastError ?? "-"].joined(separator: "\t"))
            }
        }
    }
}
