import ArgumentParser
import Foundation
import KioskCore
import Sync

extension HubCommand {
    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrolled devices and how many events each has pushed.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for d in try db.hub.devices() {
                let fields = [d.deviceID, d.role.rawValue, ISO8601DateFormatter().string(from: d.enrolledAt), d.revoked ? "revoked 已吊销" : "active", "events=\(d.events)"]
                print((fields + (d.auditAlarm.map { ["ALARM: \($0)"] } ?? [])).joined(separator: "\t"))
            }
        }
    }
}
