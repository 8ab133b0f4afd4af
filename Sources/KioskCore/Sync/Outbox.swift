import Foundation
import GRDB

/// What a device has not yet handed to its hub, and how syncing went.
public struct SyncStatus: Sendable, Hashable, Codable {
    /// Events recorded but not acknowledged by the hub.
    public var queueDepth: Int
    /// Seconds since the oldest of them was recorded (0 when none waits).
    public var lagSeconds: Double
    public var lastSuccess: Date?
    public var lastError: String?
    /// The last job move the hub refused, and the state the device took instead.
    public var lastRejection: String?
    /// The newest refusals (up to 10), newest first.
    public var refusals: [SyncRefusal] = []
}

/// A job move of this device that the hub refused: the job then follows the hub's state.
public struct SyncRefusal: Sendable, Hashable, Codable {
    public var eventID: UUID
    public var ticketCode: String
    public var reason: String
    public var hubState: JobState
    /// The state's name in Chinese, for the pages.
    public var hubStateZh: String
    /// When the device received the refusal.
    public var at: Date

    public init(eventID: UUID, ticketCode: String, reason: String, hubState: JobState, at: Date) {
        (self.eventID, self.ticketCode, self.reason, self.hubState, self.at) = (eventID, ticketCode, reason, hubState, at)
        hubStateZh = hubState.nameZh
    }

    /// One line, for the log and the command line.
    public var summary: String { "\(ticketCode): \(reason) → \(hubState.rawValue)" }
}

/// The device side of sync: every stock movement, work order and job transition writes an
/// outbox row in the same transaction as the change (SQL triggers, so no code path can
/// forget), stamped with a hybrid logical clock. The sync service sends the rows in order and
/// removes nothing until the hub has acknowledged it.
public struct Outbox: Sendable {
    let database: KioskDatabase

    /// Starts recording changes for upstream. The first time, what the store already holds is
    /// queued too, so the hub receives the device's whole history.
    public func enable() throws {
        try database.pool.write { db in
            guard try KioskMeta.value("sync_outbox", in: db) == nil else { return }
            try KioskMeta.set("sync_outbox", "on", in: db)
            // History, oldest first, in the order the changes were made.
            try db.execute(sql: """
                INSERT OR IGNORE INTO sync_outbox (eventID, kind, ref, hlc, createdAt)
                SELECT eventID, kind, ref, 0, createdAt FROM (
                  SELECT randomblob(16) AS eventID, 'job.opened' AS kind, ticketCode AS ref, openedAt AS createdAt, 0 AS sub, rowid AS r FROM work_order
                  UNION ALL SELECT id, 'job.transition', hex(id), at, 1, rowid FROM job_transition WHERE actor != 'hub'
                  UNION ALL SELECT key, 'stock.movement', hex(key), recordedAt, 2, seq FROM stock_movement
                  UNION ALL SELECT id, 'parts.request', hex(id), raisedAt, 3, rowid FROM parts_request
                  UNION ALL SELECT id, 'workshop.event', hex(id), at, 4, rowid FROM workshop_event WHERE kind = 'callForHelp')
                ORDER BY createdAt, sub, r
                """)
            // Stamp them in that order, each after the one before.
            let rows = try Int64.fetchAll(db, sql: "SELECT seq FROM sync_outbox WHERE hlc = 0 ORDER BY seq")
            var last: HybridTimestamp?
            for seq in rows {
                let stamp = HybridTimestamp.next(after: last, now: Date())
                try db.execute(sql: "UPDATE sync_outbox SET hlc = ? WHERE seq = ?", arguments: [stamp.rawValue, seq])
                last = stamp
            }
        }
    }

    public var isEnabled: Bool {
        (try? database.pool.read { try isEnabled(in: $0) }) ?? false
    }

    func isEnabled(in db: Database) throws -> Bool {
        try KioskMeta.value("sync_outbox", in: db) != nil
    }

    /// The changes the hub has not acknowledged yet: how many, and when the oldest was recorded.
    func unsynced(in db: Database) throws -> (count: Int, oldest: Date?) {
        let acked = try ackedSeq(in: db)
        let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), MIN(createdAt) FROM sync_outbox WHERE seq > ?", arguments: [acked])
        return (row?[0] ?? 0, row?[1])
    }

    /// The sequence the hub has acknowledged up to.
    public func ackedSeq(in db: Database) throws -> Int64 {
        Int64(try KioskMeta.value("sync_acked_seq", in: db) ?? "0") ?? 0
    }

    /// The key this device shares with its hub (from enrolment), `nil` before it has one.
    public func deviceKey() throws -> DeviceKey? {
        try database.pool.read { try deviceKey(in: $0) }
    }

    func deviceKey(in db: Database) throws -> DeviceKey? {
        guard let text = try KioskMeta.value("sync_device_key", in: db), let sealed = Data(base64Encoded: text) else { return nil }
        return DeviceKey(base64: try database.personalData.open(sealed))
    }

    /// Keeps the key the hub gave at enrolment, sealed with the store's personal-data key. A
    /// new key (the device enrolled again) starts the pull over, so that PIN verifiers and
    /// sealed data come again for the new key. Returns whether the key changed.
    @discardableResult
    public func setDeviceKey(_ key: DeviceKey) throws -> Bool {
        try database.pool.write { db in
            if let old = try deviceKey(in: db), old.base64 == key.base64 { return false }
            try KioskMeta.set("sync_device_key", try database.personalData.seal(key.base64).base64EncodedString(), in: db)
            try KioskMeta.set("sync_pull_cursor", "0", in: db)
            return true
        }
    }

    /// The next events to send, oldest first, with their payloads read from the store.
    /// Customers' phone numbers and VINs travel sealed with the key shared with the hub.
    public func pending(limit: Int = 500) throws -> [SyncEvent] {
        try database.pool.read { db in
            let transport = try deviceKey(in: db)
            let acked = try ackedSeq(in: db)
            let rows = try Row.fetchAll(db, sql: "SELECT seq, eventID, kind, ref, hlc FROM sync_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [acked, limit])
            return try rows.map { row in
                let kind = SyncEvent.Kind(rawValue: row["kind"]) ?? .stockMovement
                let id: UUID = row["eventID"]
                var event = SyncEvent(seq: row["seq"], id: id, kind: kind, hlc: HybridTimestamp(rawValue: row["hlc"]))
                switch kind {
                case .stockMovement:
                    event.movement = try StockMovement.filter(Column("key") == id).fetchOne(db)
                    if let kind = event.movement?.kind, kind == .transferOut || kind == .transferIn {
                        event.transfer = try StoreTransfer.filter(Column(kind == .transferOut ? "shipMovementKey" : "receiveMovementKey") == id).fetchOne(db)
                    }
                case .jobTransition:
                    event.transition = try JobTransition.fetchOne(db, key: id)
                case .partsRequest:
                    event.partsRequest = try PartsRequest.fetchOne(db, key: id)
                case .delivery:
                    event.delivery = try DeliveryFact.fetch(id, in: db)
                case .workshopEvent:
                    event.workshopEvent = try WorkshopEvent.fetchOne(db, key: id)
                case .jobOpened:
                    event.order = try WorkOrder.fetchOne(db, key: row["ref"] as String).map(OpenedOrder.init)
                    event.order?.appointment = try String.fetchOne(db, sql: "SELECT code FROM appointment WHERE ticketCode = ?", arguments: [row["ref"] as String])
                    if let transport, let order = event.order { event.order = try order.sealingCustomer(with: transport) }
                case .stocktake, .stockAlert:
                    let ref: String = row["ref"]
                    if ref == "hub_fact" {
                        // A device's fact, passed on by this hub as it came.
                        if let body = try String.fetchOne(db, sql: "SELECT body FROM hub_fact WHERE eventID = ?", arguments: [id]),
                           let original = try? JSONDecoder().decode(SyncEvent.self, from: Data(body.utf8)) {
                            event.stocktake = original.stocktake
                            event.alert = original.alert
                        }
                    } else if kind == .stocktake, let stocktake = try Stocktake.fetchOne(db, key: UUID(uuidString: String(ref.prefix(36)))) {
                        // The status is the one the event was written for (the stocktake may have moved on since).
                        var stated = stocktake
                        stated.status = Stocktake.Status(rawValue: String(ref.dropFirst(37))) ?? stocktake.status
                        if stated.status == .closed { stated.confirmedAt = nil }
                        event.stocktake = StocktakeFact(stocktake: stated, lines: try VarianceLine.filter(Column("stocktakeID") == stocktake.id).fetchAll(db))
                    } else if kind == .stockAlert, let alertID = Int64(ref.prefix(while: { $0 != ":" })),
                              let alert = try StockAlert.fetchOne(db, key: alertID) {
                        event.alert = AlertFact(change: ref.hasSuffix(":cleared") ? .cleared : .raised, alert: alert)
                    }
                }
                return event
            }
        }
    }

    /// Records the hub's answer: everything up to `ackedSeq` is stored there; a refused job
    /// move gives way to the hub's state (a transition by actor `hub`, which is not sent back).
    public func acknowledge(_ response: PushResponse, at time: Date = Date()) throws {
        try database.pool.write { db in
            let acked = try ackedSeq(in: db)
            try KioskMeta.set("sync_acked_seq", String(max(acked, response.ackedSeq)), in: db)
            try KioskMeta.set("sync_last_success", String(time.timeIntervalSince1970), in: db)
            try KioskMeta.remove("sync_last_error", in: db)
            for rejection in response.rejected {
                // Every refusal is kept, once (a batch sent again repeats it), whether or not
                // the job's state here still differs from the hub's.
                try db.execute(sql: """
                    INSERT INTO sync_refusal (eventID, ticketCode, reason, hubState, hubStateSince, at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (eventID) DO NOTHING
                    """, arguments: [rejection.id, rejection.ticketCode, rejection.reason, rejection.hubState.rawValue,
                                     rejection.hubStateSince.map(StoredDate.text), StoredDate.text(time)])
                guard db.changesCount > 0 else { continue }
                let summary = SyncRefusal(eventID: rejection.id, ticketCode: rejection.ticketCode, reason: rejection.reason,
                                          hubState: rejection.hubState, at: time).summary
                try KioskMeta.set("sync_last_rejection", summary, in: db)
                guard var order = try WorkOrder.fetchOne(db, key: rejection.ticketCode) else { continue }
                let since = rejection.hubStateSince ?? time
                if order.state != rejection.hubState {
                    // The transition is this device's record of taking the hub's state (now, in
                    // its own order of events); the job's stateSince is the hub's.
                    try JobTransition(id: UUID(), ticketCode: order.ticketCode, fromState: order.state, toState: rejection.hubState, actor: "hub",
                                      bay: order.bay, at: time, reason: "同步冲突：以门店主机为准 / the hub refused this device's move: \(rejection.reason)").insert(db)
                    order.state = rejection.hubState
                    order.stateSince = since
                    try order.update(db)
                } else if let hubSince = rejection.hubStateSince, StoredDate.text(order.stateSince) != StoredDate.text(hubSince) {
                    // The same state, reached at another time: the hub's time, as every device has it.
                    order.stateSince = hubSince
                    try order.update(db)
                }
            }
        }
    }

    /// The newest entry of this store's audit log, sent with each push.
    public func auditHead() throws -> AuditHead? { try database.audit.head() }

    /// Where the last pull from the hub ended.
    public func pullCursor() throws -> Int64 {
        try database.pool.read { Int64(try KioskMeta.value("sync_pull_cursor", in: $0) ?? "0") ?? 0 }
    }

    /// Applies a page pulled from the hub in one transaction, and moves the cursor with it.
    /// What is applied is not sent back (the outbox triggers skip it). A work order with moves
    /// of this device still waiting for the hub keeps its state until they are through.
    public func apply(_ page: PullResponse) throws {
        try database.pool.write { db in
            let transport = try deviceKey(in: db)
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            try KioskMeta.set("sync_applying", "1", in: db)
            defer { try? KioskMeta.remove("sync_applying", in: db) }
            let acked = try ackedSeq(in: db)
            // The parts of this device's stock movements the hub has not applied yet: until they
            // are through, a request for them keeps the arrival and issue this device saw (the
            // hub sends the request again once they are).
            var pendingParts: Set<String>?
            func partsPending() throws -> Set<String> {
                if let pendingParts { return pendingParts }
                let parts = Set(try String.fetchAll(db, sql: """
                    SELECT DISTINCT stock_movement.partNumber FROM sync_outbox JOIN stock_movement ON stock_movement.key = sync_outbox.eventID
                    WHERE sync_outbox.seq > ? AND sync_outbox.kind = 'stock.movement'
                    """, arguments: [acked]))
                pendingParts = parts
                return parts
            }
            /// A job pulled on its own, or with a request, event or quote of it that came first
            /// (`onlyIfMissing`: then a job already here is left as it is).
            func applyOrder(_ pulled: PulledOrder, onlyIfMissing: Bool) throws {
                var o = pulled.opened
                if o.sealed != nil {
                    guard let transport else { throw DeviceKeyError.noKey("this device") }
                    o = try o.openingCustomer(with: transport)
                }
                if var local = try WorkOrder.fetchOne(db, key: o.ticketCode) {
                    guard !onlyIfMissing else { return }
                    let waiting = try Int.fetchOne(db, sql: """
                        SELECT COUNT(*) FROM sync_outbox JOIN job_transition ON job_transition.id = sync_outbox.eventID
                        WHERE sync_outbox.seq > ? AND job_transition.ticketCode = ?
                        """, arguments: [acked, o.ticketCode]) ?? 0
                    // Equal times compared as stored (to the millisecond): a job whose state
                    // the hub reached at another time takes the hub's time too.
                    guard waiting == 0, local.state != pulled.state || local.bay != o.bay
                            || StoredDate.text(local.stateSince) != StoredDate.text(pulled.stateSince) else { return }
                    local.state = pulled.state
                    local.stateSince = pulled.stateSince
                    local.bay = o.bay
                    local.promisedAt = o.promisedAt
                    try local.update(db)
                } else {
                    try o.workOrder(state: pulled.state, since: pulled.stateSince).insertSealed(db)
                }
            }
            for change in page.changes {
                switch change.entity {
                case .bin:
                    if change.deleted { _ = try Bin.deleteOne(db, key: change.key) } else { try change.bin?.upsert(db) }
                case .part:
                    if change.deleted { _ = try Part.deleteOne(db, key: change.key) } else { try change.part?.upsert(db) }
                case .barcode:
                    if change.deleted { _ = try PartBarcode.deleteOne(db, key: change.key) } else { try change.barcode?.upsert(db) }
                case .technician:
                    if change.deleted {
                        try StaffAccess.endSessions(of: change.key, because: "removed from the staff list at the hub", actor: "hub", at: Date(), in: db)
                        _ = try Technician.deleteOne(db, key: change.key)
                    } else if var person = change.technician {
                        // Only a verifier made for this device checks PINs here, never a hub's hash.
                        person.pinHash = change.pinVerifier.flatMap { $0.hasPrefix(PINHash.deviceVerifierPrefix + "$") ? $0 : nil }
                        // A PIN changed (or withdrawn) at the hub ends the sessions signed in
                        // here with the old one, as it does at the hub: whoever learnt the old
                        // PIN keeps no session on any board.
                        if let known = try Technician.fetchOne(db, key: person.badge), known.pinHash != person.pinHash {
                            try StaffAccess.endSessions(of: person.badge, because: "PIN changed at the hub", actor: "hub", at: Date(), in: db)
                        }
                        try person.upsert(db)
                    }
                case .appointment:
                    if change.deleted { _ = try Appointment.deleteOne(db, key: change.key) }
                    else if var a = change.appointment {
                        if let sealed = change.sealedCustomer {
                            guard let transport else { throw DeviceKeyError.noKey("this device") }
                            let fields = try transport.open(sealed, as: SealedCustomerFields.self)
                            (a.vin, a.customerPhone) = (fields.vin, fields.phone)
                        }
                        try a.upsert(db)
                        try a.sealCustomer(db)
                    }
                case .partsRequest:
                    if change.deleted { _ = try UUID(uuidString: change.key).map { try PartsRequest.deleteOne(db, key: $0) } }
                    else if var request = change.partsRequest {
                        if let job = change.order { try applyOrder(job, onlyIfMissing: true) }
                        // Closing is final: the hub's word stands once it closed the request.
                        // While this board's own movements of the request's parts wait for the
                        // hub, the arrival and issue it saw stand until the hub has them.
                        if request.clearedAt == nil, let local = try PartsRequest.fetchOne(db, key: request.id),
                           !Set(request.parts.map(\.partNumber)).isDisjoint(with: try partsPending()) {
                            request.clearedAt = local.clearedAt
                            request.arrivedAt = request.arrivedAt ?? local.arrivedAt
                        }
                        try request.upsert(db)
                    }
                case .workshopEvent:
                    if change.deleted { _ = try UUID(uuidString: change.key).map { try WorkshopEvent.deleteOne(db, key: $0) } }
                    else if let event = change.workshopEvent {
                        if let job = change.order { try applyOrder(job, onlyIfMissing: true) }
                        try event.insert(db, onConflict: .ignore)
                    }
                case .quote:
                    if change.deleted { _ = try UUID(uuidString: change.key).map { try JobQuote.deleteOne(db, key: $0) } }
                    else if let quote = change.quote {
                        if let job = change.order { try applyOrder(job, onlyIfMissing: true) }
                        try quote.upsert(db)
                    }
                case .transfer:
                    if change.deleted { _ = try StoreTransfer.deleteOne(db, key: change.key) }
                    else if let transfer = change.transfer { try Transfers.learn(transfer, in: db) }
                case .purchaseOrder:
                    if let order = change.purchaseOrder { try order.upsert(db) }
                case .delivery:
                    if let fact = change.delivery { try Purchasing.learn(fact, in: db) }
                case .order:
                    guard let pulled = change.order else { continue }
                    try applyOrder(pulled, onlyIfMissing: false)
                }
            }
            try KioskMeta.set("sync_pull_cursor", String(page.cursor), in: db)
        }
    }

    /// Removes events the hub acknowledged more than `age` ago (they are at the hub; the
    /// store's own tables keep the facts). Returns how many went.
    @discardableResult
    public func prune(acknowledgedBefore age: TimeInterval = 7 * 86400, at time: Date = Date()) throws -> Int {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM sync_outbox WHERE seq <= ? AND createdAt < ?",
                           arguments: [try ackedSeq(in: db), time.addingTimeInterval(-age)])
            return db.changesCount
        }
    }

    public func recordFailure(_ message: String) throws {
        try database.pool.write { try KioskMeta.set("sync_last_error", message, in: $0) }
    }

    public func status(at time: Date = Date()) throws -> SyncStatus {
        try database.pool.read { try status(at: time, in: $0) }
    }

    func status(at time: Date, in db: Database) throws -> SyncStatus {
        let (depth, oldest) = try unsynced(in: db)
        return SyncStatus(queueDepth: depth, lagSeconds: oldest.map { max(0, time.timeIntervalSince($0)) } ?? 0,
                          lastSuccess: try KioskMeta.value("sync_last_success", in: db).flatMap(Double.init).map(Date.init(timeIntervalSince1970:)),
                          lastError: try KioskMeta.value("sync_last_error", in: db), lastRejection: try KioskMeta.value("sync_last_rejection", in: db),
                          refusals: try Row.fetchAll(db, sql: "SELECT eventID, ticketCode, reason, hubState, at FROM sync_refusal ORDER BY at DESC, rowid DESC LIMIT 10").map {
                              SyncRefusal(eventID: $0["eventID"], ticketCode: $0["ticketCode"], reason: $0["reason"],
                                          hubState: JobState(rawValue: $0["hubState"]) ?? .checkedIn, at: $0["at"])
                          })
    }
}

extension KioskDatabase {
    /// Changes waiting for the hub.
    public var outbox: Outbox { Outbox(database: self) }
}
