import ArgumentParser
import Foundation
import KioskCore

extension WebhooksCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per endpoint: deliveries pending, delivered and dead, and the last error.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let all = try db.webhooks.status()
            if all.isEmpty { print("没有配置 webhook / no [[webhooks]] endpoint (the daemon records them at start)") }
            for s in all {
                print("\(s.endpoint)\t\(s.url)\tpending \(s.pending)\tdelivered \(s.delivered)\tdead \(s.dead)" + (s.lastError.map { "\tlast error: \($0)" } ?? ""))
            }
        }
    }
}
