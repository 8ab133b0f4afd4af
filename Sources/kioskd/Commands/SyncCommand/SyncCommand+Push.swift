import ArgumentParser
import Foundation
import KioskCore
import Sync

extension SyncCommand {
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send everything waiting now (the daemon does this on its own).")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db, settings) = try SyncCommand.settings(store)
            try db.outbox.enable()
            let start = Date()
            do {
                let client = try SyncClient(settings: settings)
                let (sent, bytes) = try await SyncService.drainMeasured(client, database: db)
                let pushed = Date().timeIntervalSince(start)
                let pulled = try await SyncService.pull(client, database: db)
                print("已同步 pushed \(sent) events (\(bytes) bytes, \(sent == 0 ? 0 : bytes / sent) per event) in \(String(format: "%.2f", pushed)) s"
                      + (sent == 0 ? "" : " = \(Int(Double(sent) / max(pushed, 0.001))) events/s") + "; pulled \(pulled) changes")
            } catch {
                throw Refused("\(error)")
            }
        }
    }
}
