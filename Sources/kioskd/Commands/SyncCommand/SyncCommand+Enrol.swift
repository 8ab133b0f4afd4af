import ArgumentParser
import Foundation
import KioskCore
import Sync

extension SyncCommand {
    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol this device with the hub using the code from kioskd hub enrol.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The one-time code.") var code: String
        func run() async throws {
            let (_, db, settings) = try SyncCommand.settings(store)
            let client = try SyncClient(settings: settings)
            let role: DeviceRole?
            do { role = try await client.enrol(code: code) } catch { throw Refused("\(error)") }
            try db.outbox.enable()
            if let key = try client.deviceKey() { try db.outbox.setDeviceKey(key) }
            print("已注册 enrolled \(settings.deviceID)\(role.map { " as \($0.rawValue) \($0.nameZh)" } ?? "") with \(settings.upstream); token in \(settings.tokenFile)")
        }
    }
}
