import Foundation
import Hummingbird
import GRDB
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// Watches the store for changes made by anyone (this daemon, `kioskd` commands, another
/// process) with a cheap fingerprint query, and bumps the feed when it moves.
public struct ChangeWatcher: Service {
    let database: KioskDatabase
    let feed: ChangeFeed
    let interval: Duration

    public init(database: KioskDatabase, feed: ChangeFeed, interval: Duration = .milliseconds(300)) {
        self.database = database
        self.feed = feed
        self.interval = interval
    }

    public func run() async throws {
        var last: [DatabaseValue] = []
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if let now = try? fingerprint(), now != last {
                if !last.isEmpty { feed.bump() }
                last = now
            }
            try? await Task.sleep(for: interval)
        }
        feed.finishAll()
    }

    func fingerprint() throws -> [DatabaseValue] {
        try database.pool.read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT (SELECT MAX(seq) FROM scan_log), (SELECT MAX(seq) FROM stock_movement),
                       (SELECT COUNT(*) FROM job_transition), (SELECT COUNT(*) FROM job_clock WHERE offAt IS NULL),
                       (SELECT COUNT(*) FROM parts_request WHERE clearedAt IS NULL), (SELECT COUNT(*) FROM stock_alert WHERE clearedAt IS NULL),
                       (SELECT COUNT(*) FROM stocktake_scan), (SELECT COUNT(*) FROM workshop_event),
                       (SELECT MAX(seq) FROM hub_change), (SELECT MAX(id) FROM print_job), (SELECT MAX(lastAttemptAt) FROM print_job),
                       (SELECT MAX(rowid) FROM bay_press), (SELECT MAX(rowid) FROM vehicle_movement),
                       (SELECT MAX(rowid) FROM yard_alert), (SELECT COUNT(*) FROM yard_alert WHERE clearedAt IS NULL)
                """))!
            return (0..<row.count).map { row[$0] as DatabaseValue }
        }
    }
}
