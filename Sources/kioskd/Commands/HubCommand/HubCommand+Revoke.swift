import ArgumentParser
import Foundation
import KioskCore
import Sync

extension HubCommand {
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a device from now on (a lost or stolen board).")
        @OptionGroup var store: StoreOptions
        @Argument var device: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            do { try db.hub.revoke(device, actor: cliActor) } catch { throw Refused("\(error)") }
            print("已吊销 revoked \(device)")
        }
    }
}
