import Crypto
import Foundation
import GRDB

/// The kinds of event kioskd tells the store's other systems (DMS, CRM, SMS or WeChat
/// notices) through webhooks, as CloudEvents `type`s. Each is written by the store in the
/// transaction of what it tells (SQL triggers), so none is forgotten and none told twice.
public enum UpstreamEventType: String, Sendable, Hashable, CaseIterable, Codable {
    case jobOpened = "cn.kioskd.job.opened"
    case jobStateChanged = "cn.kioskd.job.state_changed"
    case pickupReady = "cn.kioskd.job.pickup_ready"
    case partsRequested = "cn.kioskd.parts.requested"
    case partsArrived = "cn.kioskd.parts.arrived"
    case partsArrivalUndone = "cn.kioskd.parts.arrival_undone"
    case partsRequestCleared = "cn.kioskd.parts.request_cleared"
    case helpCalled = "cn.kioskd.bay.help_called"
    case stockAlertRaised = "cn.kioskd.stock.alert_raised"
    case stockAlertCleared = "cn.kioskd.stock.alert_cleared"
    case stocktakeConfirmed = "cn.kioskd.stocktake.confirmed"
    case transferShipped = "cn.kioskd.stock.transfer_shipped"
    case transferReceived = "cn.kioskd.stock.transfer_received"
    case deliveryClosed = "cn.kioskd.purchase.delivery_closed"
    case orderCreated = "cn.kioskd.purchase.order_created"
    case returnedToSupplier = "cn.kioskd.purchase.returned_to_supplier"

    /// What the event says, for the README and the OpenAPI document.
    public var summary: String {
        switch self {
        case .jobOpened: "A work order was opened (checked in)"
        case .jobStateChanged: "A job moved from one state to another (at a bay, the desk, or by its parts arriving)"
        case .pickupReady: "The vehicle is ready for pick-up: tell the customer"
        case .partsRequested: "A bay asked the counter for parts"
        case .partsArrived: "Every part a request waits for is in stock: they go to the bay"
        case .partsArrivalUndone: "Parts that had arrived for a request went again (a receipt undone, issued elsewhere)"
        case .partsRequestCleared: "The parts were issued to the job (or the job closed)"
        case .helpCalled: "A bay called for help"
        case .stockAlertRaised: "A part fell to its safety stock or reorder point"
        case .stockAlertCleared: "A part is back above its alert level"
        case .stocktakeConfirmed: "A stocktake was confirmed: its lines, expected and counted"
        case .transferShipped: "A carton left this store for a sister store (调拨出库), under its SSCC"
        case .transferReceived: "A carton between sister stores was received (told at both ends)"
        case .deliveryClosed: "A supplier's delivery was received against a purchase order: what came, in what condition"
        case .orderCreated: "The store made a purchase order (a reorder confirmed, or made at the hub): for the ERP to place"
        case .returnedToSupplier: "Parts went back to the supplier (damaged or wrong), with the reason"
        }
    }
}

/// One event for upstream, as the store keeps it until every endpoint has it.
public struct UpstreamEvent: Sendable, Hashable, FetchableRecord, Decodable {
    public var seq: Int64
    /// Stable: the same event keeps its id through every retry and replay (receivers drop
    /// duplicates by it).
    public var id: String
    public var type: String
    public var subject: String?
    public var time: Date
    /// The event's data, a JSON object.
    public var data: String

    /// The CloudEvents 1.0 structured-mode JSON of this event (`application/cloudevents+json`),
    /// from `source` (a URI-reference naming this kioskd, e.g. `/kioskd/hub-1`).
    public func cloudEvent(source: String) throws -> Data {
        var object: [String: Any] = [
            "specversion": "1.0", "id": id, "source": source, "type": type, "time": Self.rfc3339(time),
            "datacontenttype": "application/json",
            "data": try JSONSerialization.jsonObject(with: Data(data.utf8)),
        ]
        if let subject { object["subject"] = subject }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// RFC 3339 in UTC with milliseconds: `2026-12-04T07:02:11.250Z`.
    static func rfc3339(_ date: Date) -> String {
        let text = StoredDate.text(date)   // "2026-12-04 07:02:11.250", UTC
        return text.replacingOccurrences(of: " ", with: "T") + "Z"
    }
}

/// The signature a webhook carries, as Stripe and GitHub sign theirs: `t=<unix seconds>,v1=<hex
/// HMAC-SHA256 of "<t>.<body>">` with the endpoint's secret. The receiver recomputes it, compares
/// in constant time, and refuses a timestamp far from its clock (a replayed request).
public enum WebhookSignature {
    public static let header = "Kioskd-Signature"

    public static func sign(_ body: Data, secret: Data, at time: Date) -> String {
        let t = Int64(time.timeIntervalSince1970)
        return "t=\(t),v1=\(mac(body, secret: secret, timestamp: t))"
    }

    static func mac(_ body: Data, secret: Data, timestamp: Int64) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` signs `body` with `secret`, made within `tolerance` of `now`.
    public static func verify(_ header: String, body: Data, secret: Data, now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        var t: Int64?, v1: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { t = Int64(pair[1]) } else if pair[0] == "v1" { v1.append(pair[1]) }
        }
        guard let t, abs(now.timeIntervalSince1970 - Double(t)) <= tolerance else { return false }
        let expected = mac(body, secret: secret, timestamp: t)
        return v1.contains { constantTimeEquals($0, expected) }
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Where events go: an endpoint of the store's other systems (`[[webhooks]]`).
public struct WebhookEndpoint: Sendable, Hashable {
    public var name: String
    public var url: String
    /// The types it takes; empty: all of them.
    public var types: [UpstreamEventType]
    /// Tries before a delivery goes to the dead-letter list.
    public var maxAttempts: Int
    /// The wait after the first failure; it doubles with each (with jitter), up to an hour.
    public var retryBase: Duration

    public init(name: String, url: String, types: [UpstreamEventType] = [], maxAttempts: Int = 20, retryBase: Duration = .seconds(2)) {
        (self.name, self.url, self.types, self.maxAttempts, self.retryBase) = (name, url, types, maxAttempts, retryBase)
    }

    /// The wait before try `attempt + 1` after `attempt` failed: base × 2^(attempt−1), at most
    /// an hour, times 0.8…1.2 so that a store's boards do not all come back at once.
    public func delay(after attempt: Int, jitter: Double = Double.random(in: 0.8...1.2)) -> Duration {
        let base = Double(retryBase.components.seconds) + Double(retryBase.components.attoseconds) / 1e18
        let seconds = min(3600, base * pow(2, Double(max(0, attempt - 1))))
        return .milliseconds(Int64(seconds * jitter * 1000))
    }
}

/// A delivery the sender is to try now: the event and where it goes.
public struct DueDelivery: Sendable, Hashable {
    public var endpoint: String
    public var url: String
    public var attempts: Int
    public var event: UpstreamEvent
}

/// One endpoint's deliveries, for `kioskd webhooks status` and the API.
public struct WebhookStatus: Codable, Sendable, Hashable {
    public var endpoint: String
    public var url: String
    public var pending: Int
    public var delivered: Int
    public var dead: Int
    public var lastError: String?
}

/// A delivery that gave up (the dead-letter list): what, where, how often tried, and why.
public struct DeadDelivery: Codable, Sendable, Hashable {
    public var endpoint: String
    public var eventID: String
    public var type: String
    public var subject: String?
    public var time: Date
    public var attempts: Int
    public var lastError: String?
}

/// The store's webhook deliveries: which endpoints there are, what is due, what was delivered
/// or gave up, and replaying the dead-letter list.
public struct Webhooks: Sendable {
    let database: KioskDatabase

    /// Makes the store's endpoints those of the config. Events are recorded from then on while
    /// there is at least one (none before the first: no history is sent).
    public func configure(_ endpoints: [WebhookEndpoint]) throws {
        try database.pool.write { db in
            let names = endpoints.map(\.name)
            let others = "NOT IN (\(names.map { _ in "?" }.joined(separator: ",").ifEmpty("''")))"
            // An endpoint taken out of the config takes its deliveries with it (none would be sent).
            try db.execute(sql: "DELETE FROM webhook_delivery WHERE endpoint \(others)", arguments: StatementArguments(names))
            try db.execute(sql: "DELETE FROM webhook_endpoint WHERE name \(others)", arguments: StatementArguments(names))
            for e in endpoints {
                try db.execute(sql: """
                    INSERT INTO webhook_endpoint (name, url, types) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET url = excluded.url, types = excluded.types
                    """, arguments: [e.name, e.url, e.types.map(\.rawValue).joined(separator: ",")])
            }
        }
    }

    /// Deliveries due at `now`, oldest event first (to one endpoint, or to all).
    public func due(at now: Date = Date(), endpoint: String? = nil, limit: Int = 50) throws -> [DueDelivery] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.endpoint, e.url, d.attempts, u.seq, u.id, u.type, u.subject, u.time, u.data
                FROM webhook_delivery d JOIN webhook_endpoint e ON e.name = d.endpoint JOIN upstream_event u ON u.seq = d.eventSeq
                WHERE d.state = 'pending' AND d.nextAt <= ? AND (? IS NULL OR d.endpoint = ?) ORDER BY u.seq LIMIT ?
                """, arguments: [now, endpoint, endpoint, limit]).map {
                DueDelivery(endpoint: $0["endpoint"], url: $0["url"], attempts: $0["attempts"],
                            event: UpstreamEvent(seq: $0["seq"], id: $0["id"], type: $0["type"], subject: $0["subject"], time: $0["time"], data: $0["data"]))
            }
        }
    }

    /// When the next pending delivery falls due (nil: none pending).
    public func nextDue(endpoint: String? = nil) throws -> Date? {
        try database.pool.read {
            try Date.fetchOne($0, sql: """
                SELECT MIN(nextAt) FROM webhook_delivery JOIN webhook_endpoint ON name = endpoint
                WHERE state = 'pending' AND (? IS NULL OR endpoint = ?)
                """, arguments: [endpoint, endpoint])
        }
    }

    /// Removes deliveries made more than `age` ago, and the events no endpoint waits for any
    /// more; the dead-letter list stays. Returns how many events went.
    @discardableResult
    public func prune(deliveredBefore age: TimeInterval = 30 * 86400, at time: Date = Date()) throws -> Int {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM webhook_delivery WHERE state = 'delivered' AND deliveredAt < ?", arguments: [time.addingTimeInterval(-age)])
            try db.execute(sql: """
                DELETE FROM upstream_event WHERE time < ? AND NOT EXISTS (SELECT 1 FROM webhook_delivery WHERE eventSeq = upstream_event.seq)
                """, arguments: [time.addingTimeInterval(-age)])
            return db.changesCount
        }
    }

    /// The endpoint answered 2xx: delivered, never sent again (unless replayed).
    public func delivered(_ delivery: DueDelivery, at time: Date = Date()) throws {
        try database.pool.write { db in
            try db.execute(sql: "UPDATE webhook_delivery SET state = 'delivered', attempts = attempts + 1, deliveredAt = ?, lastError = NULL WHERE endpoint = ? AND eventSeq = ?",
                           arguments: [time, delivery.endpoint, delivery.event.seq])
        }
    }

    /// A try failed with `error`: tried again after the endpoint's back-off, or, after its
    /// last try, kept on the dead-letter list. Returns whether it went there.
    @discardableResult
    public func failed(_ delivery: DueDelivery, error: String, endpoint: WebhookEndpoint, at time: Date = Date()) throws -> Bool {
        let attempts = delivery.attempts + 1
        let dead = attempts >= endpoint.maxAttempts
        let wait = endpoint.delay(after: attempts)
        let next = time.addingTimeInterval(Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
        try database.pool.write { db in
            try db.execute(sql: "UPDATE webhook_delivery SET state = ?, attempts = ?, nextAt = ?, lastError = ? WHERE endpoint = ? AND eventSeq = ?",
                           arguments: [dead ? "dead" : "pending", attempts, next, String(error.prefix(500)), delivery.endpoint, delivery.event.seq])
        }
        return dead
    }

    public func status() throws -> [WebhookStatus] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.name, e.url,
                  (SELECT COUNT(*) FROM webhook_delivery WHERE endpoint = e.name AND state = 'pending') AS pending,
                  (SELECT COUNT(*) FROM webhook_delivery WHERE endpoint = e.name AND state = 'delivered') AS delivered,
                  (SELECT COUNT(*) FROM webhook_delivery WHERE endpoint = e.name AND state = 'dead') AS dead,
                  (SELECT lastError FROM webhook_delivery WHERE endpoint = e.name AND lastError IS NOT NULL ORDER BY nextAt DESC LIMIT 1) AS lastError
                FROM webhook_endpoint e ORDER BY e.name
                """).map { WebhookStatus(endpoint: $0["name"], url: Self.shown($0["url"]), pending: $0["pending"], delivered: $0["delivered"], dead: $0["dead"], lastError: $0["lastError"]) }
        }
    }

    /// The dead-letter list, oldest event first.
    public func dead(limit: Int = 500) throws -> [DeadDelivery] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.endpoint, u.id, u.type, u.subject, u.time, d.attempts, d.lastError
                FROM webhook_delivery d JOIN upstream_event u ON u.seq = d.eventSeq WHERE d.state = 'dead' ORDER BY u.seq LIMIT ?
                """, arguments: [limit]).map {
                DeadDelivery(endpoint: $0["endpoint"], eventID: $0["id"], type: $0["type"], subject: $0["subject"], time: $0["time"], attempts: $0["attempts"], lastError: $0["lastError"])
            }
        }
    }

    /// Sends dead deliveries again from now (all of them, or those of the events `ids`), with
    /// their tries counted afresh. Audited. Returns how many go again.
    @discardableResult
    public func replay(eventIDs ids: [String]? = nil, endpoint: String? = nil, actor: String, at time: Date = Date()) throws -> Int {
        try database.pool.write { db in
            var sql = "UPDATE webhook_delivery SET state = 'pending', attempts = 0, nextAt = ? WHERE state = 'dead'"
            var arguments: [any DatabaseValueConvertible] = [time]
            if let ids {
                guard ids.count <= 1000, ids.allSatisfy(Self.isEventID) else {
                    throw WebhookError.badEventIDs("give at most 1,000 event ids as `kioskd webhooks dead` lists them (letters, digits and dashes, up to 200)")
                }
                sql += " AND eventSeq IN (SELECT seq FROM upstream_event WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",").ifEmpty("''"))))"
                arguments += ids as [any DatabaseValueConvertible]
            }
            if let endpoint { sql += " AND endpoint = ?"; arguments.append(endpoint) }
            try db.execute(sql: sql, arguments: StatementArguments(arguments))
            let count = db.changesCount
            _ = try AuditLog.record(.webhooksReplayed, actor: actor,
                                    detail: "\(count) delivery(ies) sent again" + (ids.map { " of \($0.count) event id(s): \($0.prefix(5).joined(separator: ", "))\($0.count > 5 ? ", …" : "")" } ?? " (all dead)")
                                        + (endpoint.map { " to \($0.prefix(64))" } ?? ""),
                                    at: time, in: db)
            return count
        }
    }
}

extension Webhooks {
    /// A URL as it is shown: without a user name or password in it.
    static func shown(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.user != nil || parts.password != nil else { return url }
        (parts.user, parts.password) = (nil, nil)
        return parts.string ?? url
    }

    /// An id as the store makes them: letters, digits and dashes, 1 to 200.
    public static func isEventID(_ id: String) -> Bool {
        (1...200).contains(id.utf8.count) && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 }
    }
}

/// A replay asked for what cannot be an event.
public enum WebhookError: Error, Sendable, Hashable, CustomStringConvertible {
    case badEventIDs(String)
    public var description: String {
        switch self { case .badEventIDs(let why): "事件编号无效 / bad event ids: \(why)" }
    }
}

extension KioskDatabase {
    /// Webhook deliveries to the store's other systems.
    public var webhooks: Webhooks { Webhooks(database: self) }
}

private extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
