import ArgumentParser
import Foundation
import KioskCore
import Sync

extension SyncCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Events waiting, lag, last success, last error, job moves the hub refused.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let s = try db.outbox.status()
            print("queue\t\(s.queueDepth)\nlag_s\t\(String(format: "%.1f", s.lagSeconds))")
            print("last_success\t\(s.lastSuccess.map { ISO8601DateFormatter().string(from: $0) } ?? "-")")
            print("last_error\t\(s.lastError ?? "-")\nlast_rejection\t\(s.lastRejection ?? "-")")
            // The newest refusals, one per line: when, the job, why, and the state it took.
            for refusal in s.refusals {
                print("refused\t\(WireDate.text(refusal.at))\t\(refusal.summary)")
            }
        }
    }
}
