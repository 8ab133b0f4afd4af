import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Models below their safety stock.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let alerts = try db.yard.openAlerts()
            if alerts.isEmpty { print("无预警 no alerts") }
            for alert in alerts { print("⚠ \(alert.message)") }
        }
    }
}
