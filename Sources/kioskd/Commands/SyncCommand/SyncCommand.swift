import ArgumentParser
import Foundation
import KioskCore
import Sync

/// The device's side: enrol, see the queue, push now.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync with the store hub ([sync] upstream): enrol, status, push.",
        subcommands: [Enrol.self, Status.self, Push.self])

    static func settings(_ store: StoreOptions) throws -> (KioskConfig, KioskDatabase, SyncSettings) {
        let (config, db) = try store.openDatabase()
        guard let sync = config.sync else { throw Refused("未配置同步 / no [sync] upstream in \(config.origin): add one with the hub's URL") }
        return (config, db, SyncSettings(upstream: sync.upstream, deviceID: config.deviceID, tokenFile: config.syncTokenFile, batchSize: sync.batchSize, caFile: sync.caFile, compress: sync.compress))
    }
}
