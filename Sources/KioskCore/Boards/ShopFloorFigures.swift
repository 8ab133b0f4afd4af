import Foundation
import GRDB

/// The shop floor in figures, for `/metrics`: what stands open and what waits.
public struct ShopFloorFigures: Sendable, Hashable {
    public var stockAlertsOpen = 0
    public var yardAlertsOpen = 0
    public var partsRequestsOpen = 0
    public var jobsOpen = 0
    /// Changes recorded and not yet acknowledged by the hub.
    public var syncQueue = 0
    /// When the oldest of them was recorded (the sync lag is its age at the scrape).
    public var oldestUnsynced: Date?
    public var printJobsWaiting = 0

    public init() {}

    /// The areas the figures come from: they are read again only when one of them changed.
    public static let areas: Set<StoreArea> = [.alerts, .yard, .workshop, .sync, .printing]
}

extension KioskDatabase {
    /// The shop floor's figures, read in one snapshot through GRDB's async API.
    public func shopFloorFigures() async throws -> ShopFloorFigures {
        let outbox = self.outbox
        return try await pool.read { db in
            let count: (String) throws -> Int = { try Int.fetchOne(db, sql: $0) ?? 0 }
            var figures = ShopFloorFigures()
            figures.stockAlertsOpen = try count("SELECT COUNT(*) FROM stock_alert WHERE clearedAt IS NULL")
            figures.yardAlertsOpen = try count("SELECT COUNT(*) FROM yard_alert WHERE clearedAt IS NULL")
            figures.partsRequestsOpen = try count("SELECT COUNT(*) FROM parts_request WHERE clearedAt IS NULL")
            figures.jobsOpen = try count("SELECT COUNT(*) FROM work_order WHERE state NOT IN ('delivered', 'cancelled')")
            (figures.syncQueue, figures.oldestUnsynced) = try outbox.unsynced(in: db)
            figures.printJobsWaiting = try count("SELECT COUNT(*) FROM print_job WHERE printedAt IS NULL AND cancelledAt IS NULL")
            return figures
        }
    }
}
