import Foundation
import GRDB

/// The counter page: what it shows at a glance.
public struct CounterView: Codable, Sendable {
    public struct Scan: Codable, Sendable {
        public var id: UUID
        public var text: String
        public var accepted: Bool
        public var message: String
        public var at: Date
        /// ``ScanOutcome`` raw value; `nil` for scans logged before outcomes were kept.
        public var outcome: String?
    }
    public struct Request: Codable, Sendable {
        public var ticketCode: String
        public var bay: String?
        public var parts: [RequestedPart]
        public var raisedAt: Date
        /// When every part came in: they wait at the counter, to be taken to the bay.
        public var arrivedAt: Date?
    }
    public struct Quote: Codable, Sendable {
        public var bay: String?
        public var quote: QuoteView
    }
    /// The delivery this counter is receiving: its order, line by line against what came in.
    public struct Receiving: Codable, Sendable {
        public var order: String
        public var supplier: String
        public var sscc: String?
        public var lines: [DeliveryVariance]
    }
    public struct Count: Codable, Sendable {
        public var id: UUID
        public var scope: String
        public var status: String
        public var scanned: Int
    }
    public var session: CounterSession
    public var scans: [Scan]
    public var alerts: [String]
    /// New-car models below their safety stock (整车安全库存).
    public var yardAlerts: [String]
    public var partsRequests: [Request]
    /// Quotes waiting for the customer, and those answered in the last twelve hours (newest
    /// first), with the bay: approved extra work will need parts.
    public var quotes: [Quote]
    public var stocktakes: [Count]
    /// Cartons in transit to and from the chain's sister stores, newest first.
    public var transfers: [StoreTransfer]
    /// The supplier's delivery being received here, if any.
    public var receiving: Receiving?
    /// Sync toward the hub, when this device syncs.
    public var sync: SyncStatus?
}

extension Counter {
    /// The counter page's view, read in one snapshot through GRDB's async API.
    public func view(now: Date = Date()) async throws -> CounterView {
        let outbox = database.outbox
        return try await database.pool.read { db in
            let sync = try outbox.isEnabled(in: db) ? try outbox.status(at: now, in: db) : nil
            let scans = try Row.fetchAll(db, sql: "SELECT scanID, text, accepted, message, scannedAt, outcome FROM scan_log WHERE deviceID = ? ORDER BY seq DESC LIMIT 30",
                                         arguments: [deviceID]).map {
                CounterView.Scan(id: $0["scanID"], text: $0["text"], accepted: $0["accepted"], message: $0["message"], at: $0["scannedAt"],
                                 outcome: $0["outcome"])
            }
            let alerts = try CounterView.openStockAlerts(in: db)
            let requests = try CounterView.Request.open(in: db)
            let counts = try Stocktake.filter(Column("status") != Stocktake.Status.confirmed.rawValue).fetchAll(db).map { s in
                CounterView.Count(id: s.id, scope: s.scopeDescription, status: s.status.rawValue,
                                  scanned: try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(quantity), 0) FROM stocktake_scan WHERE stocktakeID = ?", arguments: [s.id]) ?? 0)
            }
            let quotes = try Row.fetchAll(db, sql: """
                SELECT job_quote.id, work_order.bay FROM job_quote JOIN work_order USING (ticketCode)
                WHERE (job_quote.decision IS NULL AND work_order.state = 'waitingApproval')
                   OR (job_quote.decision IN ('approved', 'declined') AND job_quote.decidedAt >= ?)
                ORDER BY COALESCE(job_quote.decidedAt, job_quote.createdAt) DESC LIMIT 10
                """, arguments: [now.addingTimeInterval(-12 * 3600)]).compactMap { row -> CounterView.Quote? in
                guard let quote = try JobQuote.fetchOne(db, key: row["id"] as UUID),
                      let order = try WorkOrder.fetchOne(db, key: quote.ticketCode) else { return nil }
                return CounterView.Quote(bay: row["bay"], quote: QuoteView(quote, job: order))
            }
            let yardAlerts = try CounterView.openYardAlerts(in: db)
            let session = try session(in: db)
            let receiving = try session.delivery.flatMap { try Delivery.fetchOne(db, key: $0) }.flatMap { delivery in
                try PurchaseOrder.fetchOne(db, key: delivery.orderNumber).map {
                    CounterView.Receiving(order: $0.number, supplier: $0.supplier, sscc: delivery.sscc, lines: try Purchasing.variance(of: $0.number, in: db))
                }
            }
            return CounterView(session: session, scans: scans, alerts: alerts, yardAlerts: yardAlerts,
                               partsRequests: requests, quotes: quotes, stocktakes: counts,
                               transfers: try Transfers.list(inTransitOnly: true, limit: 20, in: db), receiving: receiving, sync: sync)
        }
    }
}

extension CounterView {
    /// The stock alerts standing now, oldest first (as the counter and manager pages show them).
    static func openStockAlerts(in db: Database) throws -> [String] {
        try StockAlert.filter(Column("clearedAt") == nil).order(Column("id")).fetchAll(db).map(\.message)
    }

    /// The new-car models below their safety stock now.
    static func openYardAlerts(in db: Database) throws -> [String] {
        try YardAlert.filter(Column("clearedAt") == nil).order(Column("raisedAt")).fetchAll(db).map(\.message)
    }
}

extension CounterView.Request {
    /// The parts requests not yet closed, oldest first.
    static func open(in db: Database) throws -> [CounterView.Request] {
        try PartsRequest.filter(Column("clearedAt") == nil).order(Column("raisedAt")).fetchAll(db).map {
            CounterView.Request(ticketCode: $0.ticketCode, bay: $0.bay, parts: $0.parts, raisedAt: $0.raisedAt, arrivedAt: $0.arrivedAt)
        }
    }
}
