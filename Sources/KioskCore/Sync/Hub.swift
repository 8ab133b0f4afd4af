import Crypto
import Foundation
import GRDB

/// Why the hub refused a device.
public enum HubError: Error, Sendable, Hashable, CustomStringConvertible {
    case badEnrolmentCode(String)
    case unknownDevice(String)
    case wrongDevice(token: String, claimed: String)
    /// A bay device's code is made for the bay it serves.
    case bayRequired(String)
    /// Only a bay device serves a bay.
    case bayOnlyForBays(String, role: DeviceRole, bay: String)

    public var description: String {
        switch self {
        case .bayRequired(let device):
            "工位设备须指定工位 / a bay device serves one bay: name it (kioskd hub enrol \(device) --role bay --bay BAY-1); the hub accepts its buttons' moves for that bay's job only"
        case let .bayOnlyForBays(device, role, bay):
            "只有工位设备指定工位 / only a bay device serves a bay: \(device) is a \(role.rawValue) device, leave out --bay \(bay)"
        case .badEnrolmentCode(let device):
            "注册码无效、已用或已过期 / the enrolment code for \(device) is wrong, used or expired: make a new one on the hub (kioskd hub enrol \(device))"
        case .unknownDevice(let device): "未注册的设备 \(device) / no enrolled device \(device)"
        case let .wrongDevice(token, claimed): "设备令牌属于 \(token)，不是 \(claimed) / the token belongs to \(token), not \(claimed)"
        }
    }
}

/// Where a hub keeps the events devices push and decides them: its own SQLite store
/// (``Hub``), or a PostgreSQL ledger shared by a chain of stores.
public protocol HubLedger: Sendable {
    /// Stores and applies a batch: when this returns, every event of it is durably kept, each once.
    func accept(_ push: PushRequest, from deviceID: String, at time: Date) async throws -> PushResponse
    /// Every store's stock of `part` in a ledger the chain shares; nil: no chain (one store).
    func chainStock(of part: String) async throws -> [ChainStock]?
    /// Ships a carton to a sister store: its SSCC from the chain's ledger, then the movement
    /// out at this store. Throws ``TransferError/noChain`` without a chain.
    func ship(_ order: TransferOrder) async throws -> StoreTransfer
    /// Every store of the chain with its figures; nil: no chain (one store).
    func chainReport() async throws -> [ChainStoreFigures]?
}

extension HubLedger {
    public func chainStock(of part: String) async throws -> [ChainStock]? { nil }
    public func ship(_ order: TransferOrder) async throws -> StoreTransfer { throw TransferError.noChain }
    public func chainReport() async throws -> [ChainStoreFigures]? { nil }
}

/// A carton to ship to a sister store.
public struct TransferOrder: Sendable, Hashable, Codable {
    public var partNumber: String
    public var quantity: Int
    public var toStore: String
    /// The bin it leaves (the part's default bin when nil).
    public var bin: String?
    /// Idempotency key: shipping the same key again returns the carton it shipped.
    public var key: UUID
    public var actor: String
    public init(partNumber: String, quantity: Int, toStore: String, bin: String? = nil, key: UUID = UUID(), actor: String) {
        (self.partNumber, self.quantity, self.toStore, self.bin, self.key, self.actor) = (partNumber, quantity, toStore, bin, key, actor)
    }
}

/// One store of the chain as its ledger shows it: what it holds, what is on the road to and
/// from it, its standing stock alerts, and how fresh its figures are.
public struct ChainStoreFigures: Sendable, Hashable, Codable {
    public var store: String
    public var isThisStore: Bool
    /// Parts with stock, and the units of them.
    public var parts: Int
    public var units: Int
    /// What the stock is worth at the store's unit costs (fen); parts with stock and no cost
    /// known are left out of it and counted in ``partsWithoutCost``.
    public var valueFen: Int
    public var partsWithoutCost: Int
    /// Cartons (units, value at the shipping store's cost) shipped from this store and not yet received.
    public var cartonsOut: Int
    public var unitsOut: Int
    public var valueOutFen: Int
    /// Cartons (units, value) on their way to this store.
    public var cartonsIn: Int
    public var unitsIn: Int
    public var valueInFen: Int
    /// The store's standing stock alerts (below safety stock, at the reorder point), as its hub last published them.
    public var alerts: [ChainAlert]
    public var lastPushAt: Date?
    public init(store: String, isThisStore: Bool, parts: Int, units: Int, valueFen: Int, partsWithoutCost: Int,
                cartonsOut: Int, unitsOut: Int, valueOutFen: Int, cartonsIn: Int, unitsIn: Int, valueInFen: Int,
                alerts: [ChainAlert], lastPushAt: Date?) {
        (self.store, self.isThisStore, self.parts, self.units, self.valueFen, self.partsWithoutCost) = (store, isThisStore, parts, units, valueFen, partsWithoutCost)
        (self.cartonsOut, self.unitsOut, self.valueOutFen) = (cartonsOut, unitsOut, valueOutFen)
        (self.cartonsIn, self.unitsIn, self.valueInFen) = (cartonsIn, unitsIn, valueInFen)
        (self.alerts, self.lastPushAt) = (alerts, lastPushAt)
    }
}

/// A standing stock alert of a store of the chain.
public struct ChainAlert: Sendable, Hashable, Codable {
    public var partNumber: String
    public var level: String
    public var onHand: Int
    public var threshold: Int
    public var raisedAt: Date
    public init(partNumber: String, level: String, onHand: Int, threshold: Int, raisedAt: Date) {
        (self.partNumber, self.level, self.onHand, self.threshold, self.raisedAt) = (partNumber, level, onHand, threshold, raisedAt)
    }
}

/// A store of the chain's stock of a part in one bin, and how fresh it is.
public struct ChainStock: Sendable, Hashable, Codable {
    public var store: String
    public var bin: String
    public var quantity: Int
    /// The store's last push to the ledger (nil: none since the ledger kept it).
    public var lastPushAt: Date?
    public var isThisStore: Bool
    public init(store: String, bin: String, quantity: Int, lastPushAt: Date?, isThisStore: Bool) {
        (self.store, self.bin, self.quantity, self.lastPushAt, self.isThisStore) = (store, bin, quantity, lastPushAt, isThisStore)
    }
}

/// The hub side of sync: devices enrol with a one-time code and get a token; each pushed
/// event is stored once by its id and applied to the hub's own store (stock by the same
/// movement keys, jobs by the same transition ids). A job move that is no longer legal on the
/// hub is refused back to the device with the hub's state.
public struct Hub: HubLedger {
    let database: KioskDatabase

    /// How long an enrolment code stays valid.
    public static let enrolmentLifetime: TimeInterval = 24 * 3600

    /// A new one-time enrolment code for a device with `role` (written to the audit log; only
    /// its hash is kept). The role decides what the device may send and what it gets.
    ///
    /// `bay`: the bay a bay device serves (required for ``DeviceRole/bay``, refused for the
    /// others). The hub accepts its buttons' moves for the job at that bay only, whatever the
    /// device says.
    public func enrolmentCode(for deviceID: String, role: DeviceRole, bay: String? = nil, actor: String, at time: Date = Date()) throws -> String {
        let trimmed = bay?.trimmingCharacters(in: .whitespaces) ?? ""
        let bay = trimmed.isEmpty ? nil : trimmed
        if role == .bay, bay == nil { throw HubError.bayRequired(deviceID) }
        if role != .bay, let bay { throw HubError.bayOnlyForBays(deviceID, role: role, bay: bay) }
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let code = String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        try database.pool.write { db in
            try db.execute(sql: "INSERT INTO hub_enrolment (codeHash, deviceID, expiresAt, role, bay) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Self.hash(code), deviceID, time.addingTimeInterval(Self.enrolmentLifetime), role.rawValue, bay])
            try AuditLog.record(.deviceEnrolmentIssued, actor: actor,
                                detail: "device \(deviceID) as \(role.rawValue)" + (bay.map { " at bay \($0)" } ?? ""), at: time, in: db)
        }
        return code
    }

    /// A device presents its code: it gets a token and a key it shares with the hub (new ones
    /// replace the old), and its role; the code is spent.
    public func enrol(deviceID: String, code: String, at time: Date = Date()) throws -> EnrolResponse {
        let token = StaffAccess.randomToken()
        let key = DeviceKey.random()
        let role: DeviceRole = try database.pool.write { db in
            let hash = Self.hash(code.uppercased().filter { !$0.isWhitespace && $0 != "-" })
            guard let row = try Row.fetchOne(db, sql: "SELECT deviceID, expiresAt, usedAt, role, bay FROM hub_enrolment WHERE codeHash = ?", arguments: [hash]),
                  row["deviceID"] as String == deviceID, (row["usedAt"] as Date?) == nil, (row["expiresAt"] as Date) > time,
                  let role = DeviceRole(rawValue: row["role"]) else {
                throw HubError.badEnrolmentCode(deviceID)
            }
            try db.execute(sql: "UPDATE hub_enrolment SET usedAt = ? WHERE codeHash = ?", arguments: [time, hash])
            try db.execute(sql: """
                INSERT INTO hub_device (deviceID, tokenHash, enrolledAt, role, deviceKey, bay) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (deviceID) DO UPDATE SET tokenHash = excluded.tokenHash, enrolledAt = excluded.enrolledAt, revokedAt = NULL,
                  role = excluded.role, deviceKey = excluded.deviceKey, bay = excluded.bay
                """, arguments: [deviceID, Self.hash(token), time, role.rawValue, try database.personalData.seal(key.base64), row["bay"] as String?])
            try AuditLog.record(.deviceEnrolled, actor: deviceID, detail: "token and key issued, role \(role.rawValue)"
                                + ((row["bay"] as String?).map { " at bay \($0)" } ?? ""), at: time, in: db)
            return role
        }
        return EnrolResponse(deviceID: deviceID, token: token, role: role, deviceKey: key.base64)
    }

    /// The event with the customer's data a device sealed for the way opened (with that
    /// device's key), for a ledger that seals the whole event with the store's own key and must
    /// be readable after this store's device keys are gone (a store rebuilt from the ledger).
    public func openingSealedFields(_ event: SyncEvent, from deviceID: String, own: Bool = false) throws -> SyncEvent {
        guard let order = event.order, order.sealed != nil else { return event }
        guard let key = try own ? database.outbox.deviceKey() : grant(deviceID)?.key else { throw DeviceKeyError.noKey(deviceID) }
        var copy = event
        copy.order = try order.openingCustomer(with: key)
        return copy
    }

    /// Keeps the newest audit entry a device reports. A head older than one reported before,
    /// or the same entry with another hash, means entries were deleted or rewritten on the
    /// device: the hub keeps the alarm (shown with the device), audits it, and keeps the
    /// highest head it saw.
    public func noteAuditHead(_ head: AuditHead, of deviceID: String, at time: Date = Date()) throws {
        try database.pool.write { db in try noteAuditHead(head, of: deviceID, at: time, in: db) }
    }

    func noteAuditHead(_ head: AuditHead, of deviceID: String, at time: Date, in db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT auditSeq, auditHash FROM hub_device WHERE deviceID = ?", arguments: [deviceID]) else { return }
        let seen: Int64? = row["auditSeq"]
        let seenHash: String? = row["auditHash"]
        if let seen, head.seq < seen || (head.seq == seen && head.hash != seenHash) {
            let alarm = "审计日志被截短或改写 / the audit log of \(deviceID) now ends at entry \(head.seq) (\(head.hash.prefix(12))…); the hub saw entry \(seen) (\(seenHash?.prefix(12) ?? "")…) before"
            try db.execute(sql: "UPDATE hub_device SET auditAlarm = ? WHERE deviceID = ?", arguments: [alarm, deviceID])
            try AuditLog.record(.deviceAuditCut, actor: deviceID, detail: alarm, at: time, in: db)
            return
        }
        try db.execute(sql: "UPDATE hub_device SET auditSeq = ?, auditHash = ? WHERE deviceID = ?", arguments: [head.seq, head.hash, deviceID])
    }

    /// A device's audit alarm (its log was cut short after the hub saw it), `nil` when none.
    public func auditAlarm(of deviceID: String) throws -> String? {
        try database.pool.read { try String.fetchOne($0, sql: "SELECT auditAlarm FROM hub_device WHERE deviceID = ?", arguments: [deviceID]) }
    }

    /// What an enrolled device may do and the key it shares with the hub; `nil` when unknown.
    public func grant(_ deviceID: String) throws -> DeviceGrant? {
        try database.pool.read { db in try DeviceGrant.fetch(deviceID, key: database.personalData, in: db) }
    }

    /// The device a bearer token belongs to; `nil` for an unknown or revoked one.
    public func device(token: String) throws -> String? {
        guard !token.isEmpty, token.count <= 128 else { return nil }
        return try database.pool.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT deviceID FROM hub_device WHERE tokenHash = ? AND revokedAt IS NULL"),
                                arguments: [Self.hash(token)])
        }
    }

    /// Refuses a device from now on (a stolen board); audited.
    public func revoke(_ deviceID: String, actor: String, at time: Date = Date()) throws {
        try database.pool.write { db in
            try db.execute(sql: "UPDATE hub_device SET revokedAt = ? WHERE deviceID = ? AND revokedAt IS NULL", arguments: [time, deviceID])
            guard db.changesCount == 1 else { throw HubError.unknownDevice(deviceID) }
            try AuditLog.record(.deviceRevoked, actor: actor, detail: "device \(deviceID)", at: time, in: db)
        }
    }

    public func devices() throws -> [(deviceID: String, role: DeviceRole, enrolledAt: Date, revoked: Bool, events: Int, auditAlarm: String?)] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.deviceID, d.role, d.enrolledAt, d.revokedAt IS NOT NULL AS revoked, d.auditAlarm,
                  (SELECT COUNT(*) FROM hub_event e WHERE e.deviceID = d.deviceID) AS events
                FROM hub_device d ORDER BY d.deviceID
                """).map { (deviceID: $0["deviceID"], role: DeviceRole(rawValue: $0["role"]) ?? .counter, enrolledAt: $0["enrolledAt"],
                            revoked: $0["revoked"], events: $0["events"], auditAlarm: $0["auditAlarm"]) }
        }
    }

    /// ``HubLedger``: ``accept(_:from:at:)`` on the store's writer thread, off the cooperative pool.
    public func accept(_ push: PushRequest, from deviceID: String, at time: Date) async throws -> PushResponse {
        let hub = self
        return try await database.perform(.write) { try hub.accept(push, from: deviceID, at: time) }
    }

    /// Stores and applies a batch in one transaction: when this returns, every event of the
    /// batch is durably at the hub, each once.
    public func accept(_ push: PushRequest, from deviceID: String, at time: Date = Date()) throws -> PushResponse {
        guard push.deviceID == deviceID else { throw HubError.wrongDevice(token: deviceID, claimed: push.deviceID) }
        return try database.pool.write { db in
            if let head = push.auditHead { try noteAuditHead(head, of: deviceID, at: time, in: db) }
            var stored = 0
            var rejected: [RejectedEvent] = []
            // Once per batch: the grant's key is sealed, and opening it for every event cost
            // the hub a tenth of its time.
            let grant = try DeviceGrant.fetch(deviceID, key: database.personalData, in: db)
            for event in push.events.sorted(by: { $0.seq < $1.seq }) {
                if let outcome = try String.fetchOne(db.cachedStatement(sql: "SELECT outcome FROM hub_event WHERE eventID = ?"), arguments: [event.id]) {
                    // Delivered again (a lost answer, a retried request): stored already. A refusal is repeated.
                    if let r = try repeatedRejection(of: event, outcome: outcome, in: db) { rejected.append(r) }
                    continue
                }
                let decision = try decide(event, from: deviceID, grant: grant, in: db)
                if let r = decision.rejection { rejected.append(r) }
                guard decision.keep else { continue }
                try record(event, from: deviceID, outcome: decision.outcome, at: time, in: db)
                stored += 1
            }
            return PushResponse(ackedSeq: push.events.map(\.seq).max() ?? 0, stored: stored, rejected: rejected)
        }
    }

    /// How this store would decide each event of a batch, applied in order, without keeping
    /// any of it (the transaction is rolled back): for a ledger kept elsewhere, which stores the
    /// outcomes and then has them applied here by ``project(_:)``. Events in `known` are skipped.
    /// `own`: the hub's own changes (its outbox), which no device role limits.
    public func trial(_ events: [SyncEvent], from deviceID: String, skipping known: Set<UUID>, own: Bool = false) throws -> [UUID: Decision] {
        var decisions: [UUID: Decision] = [:]
        try database.pool.writeWithoutTransaction { db in
            try db.inTransaction {
                let grant = own ? nil : try DeviceGrant.fetch(deviceID, key: database.personalData, in: db)
                for event in events.sorted(by: { $0.seq < $1.seq }) where !known.contains(event.id) {
                    decisions[event.id] = try decide(event, from: deviceID, grant: grant, own: own, in: db)
                }
                return .rollback
            }
        }
        return decisions
    }

    /// The refusal to send again for an event delivered twice whose first delivery was refused.
    public func repeatedRejection(of event: SyncEvent, outcome: String) throws -> RejectedEvent? {
        try database.pool.read { db in try repeatedRejection(of: event, outcome: outcome, in: db) }
    }

    /// Applies events a ledger kept elsewhere has stored and decided, in the ledger's order,
    /// in one transaction with the ledger cursor: after a crash the ledger's events after the
    /// cursor are applied again, and an event already here is not applied twice. What is
    /// applied does not enter this store's outbox (the ledger has it).
    /// Returns the events the ledger applied that this store could not (the stores differ).
    @discardableResult
    public func project(_ entries: [LedgerEntry]) throws -> [(entry: LedgerEntry, reason: String)] {
        try database.pool.write { db in
            // Already in the ledger: not queued again as the hub's own changes.
            try KioskMeta.set("sync_applying", "1", in: db)
            defer { try? KioskMeta.remove("sync_applying", in: db) }
            var cursor = try KioskMeta.value(Self.ledgerCursorName, in: db).flatMap { Int64($0) } ?? 0
            var failed: [(entry: LedgerEntry, reason: String)] = []
            for entry in entries.sorted(by: { $0.sequence < $1.sequence }) where entry.sequence > cursor {
                cursor = entry.sequence
                if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM hub_event WHERE eventID = ?"), arguments: [entry.event.id]) != nil { continue }
                var outcome = entry.outcome
                if outcome == "applied" {
                    do {
                        try db.inSavepoint {
                            try apply(entry.event, from: entry.deviceID, decided: true, in: db)
                            return .commit
                        }
                    } catch {
                        outcome = "applied in the ledger, not here: \(error)"
                        failed.append((entry, "\(error)"))
                    }
                }
                try record(entry.event, from: entry.deviceID, outcome: outcome, at: entry.receivedAt, in: db)
            }
            try KioskMeta.set(Self.ledgerCursorName, String(cursor), in: db)
            return failed
        }
    }

    /// The last ledger sequence applied to this store (0 before the first).
    public func ledgerCursor() throws -> Int64 {
        try database.pool.read { db in try KioskMeta.value(Self.ledgerCursorName, in: db).flatMap { Int64($0) } ?? 0 }
    }

    static let ledgerCursorName = "hub_ledger_cursor"

    /// What the hub makes of one event: applied, refused back to the device, or not applied.
    public struct Decision: Sendable, Hashable {
        /// "applied", "rejected: …" or "not applied: …", as stored.
        public var outcome: String
        public var rejection: RejectedEvent?
        /// Whether the event is kept under its id. Not when its id is another device's movement
        /// (one a board pulled, pushed as its own before the hub's own change is through): the
        /// id stays free for the real one.
        public var keep: Bool
        public var applied: Bool { outcome == "applied" }
        public init(outcome: String, rejection: RejectedEvent? = nil, keep: Bool = true) {
            self.outcome = outcome
            self.rejection = rejection
            self.keep = keep
        }
    }

    /// `grant`: the sending device's, fetched once for its batch (`nil`: not enrolled here).
    private func decide(_ event: SyncEvent, from deviceID: String, grant: DeviceGrant?, own: Bool = false, in db: Database) throws -> Decision {
        if let problem = event.shapeProblem { return Decision(outcome: "not applied: refused: \(problem)") }
        // The device is the token's: what it may send is its role's, checked before anything applies.
        if !own {
            guard let grant else {
                return Decision(outcome: "not applied: \(HubError.unknownDevice(deviceID).description)")
            }
            if let refusal = try grant.refusal(of: event, in: db) {
                if let r = try rejection(of: event, reason: refusal, in: db) { return Decision(outcome: "rejected: \(refusal)", rejection: r) }
                return Decision(outcome: "not applied: refused: \(refusal)")
            }
        }
        if let m = event.movement,
           let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT deviceID FROM stock_movement WHERE key = ?"), arguments: [m.key]),
           owner != m.deviceID {
            return Decision(outcome: "not applied: refused: 库存移动 \(m.key) 属于设备 \(owner) / movement \(m.key) is \(owner)'s, not \(m.deviceID)'s", keep: false)
        }
        do {
            try db.inSavepoint {
                try apply(event, from: deviceID, own: own, in: db)
                return .commit
            }
            return Decision(outcome: "applied")
        } catch let conflict as StaleMove {
            return Decision(outcome: "rejected: \(conflict.description)", rejection: try rejection(of: event, reason: conflict.description, in: db))
        } catch let error as WorkshopError {
            if case .illegalTransition = error, let r = try rejection(of: event, reason: error.description, in: db) {
                return Decision(outcome: "rejected: \(error.description)", rejection: r)
            }
            return Decision(outcome: "not applied: \(error.description)")
        } catch {
            return Decision(outcome: "not applied: \(error)")
        }
    }

    private func record(_ event: SyncEvent, from deviceID: String, outcome: String, at time: Date, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO hub_event (eventID, deviceID, deviceSeq, kind, hlc, receivedAt, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [event.id, deviceID, event.seq, event.kind.rawValue, event.hlc.rawValue, time, outcome])
    }

    private func repeatedRejection(of event: SyncEvent, outcome: String, in db: Database) throws -> RejectedEvent? {
        guard outcome.hasPrefix("rejected: ") else { return nil }
        return try rejection(of: event, reason: String(outcome.dropFirst("rejected: ".count)), in: db)
    }

    /// A work order as a board with this grant may hold it: the customer's phone and VIN
    /// sealed for the roles that see customers (blank for the others), the phone link withheld
    /// from the roles that do not hand it out.
    private func pulled(_ order: WorkOrder, for grant: DeviceGrant) throws -> PulledOrder {
        var opened = OpenedOrder(order)
        if grant.role.seesCustomers, let deviceKey = grant.key {
            opened = try opened.sealingCustomer(with: deviceKey)
        } else {
            (opened.vin, opened.customerPhone) = ("", "")
        }
        if !grant.role.seesPhoneLinks {
            opened.publicToken = grant.key.map { $0.withheldLink(order.ticketCode) } ?? "withheld-\(UUID().uuidString)"
        }
        return PulledOrder(opened: opened, state: order.state, stateSince: order.stateSince)
    }

    /// The work order a request, event or quote belongs to, when its own change comes later in
    /// the stream than `seq` (it changed since): a board pulling from the start then gets the
    /// job with what belongs to it, instead of a row its store cannot hold yet.
    private func orderComingLater(_ ticket: String?, than seq: Int64, for grant: DeviceGrant, in db: Database) throws -> PulledOrder? {
        guard let ticket,
              let orderSeq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM hub_change WHERE entity = 'order' AND key = ?"), arguments: [ticket]),
              orderSeq > seq, let order = try WorkOrder.fetchOne(db, key: ticket) else { return nil }
        return try pulled(order, for: grant)
    }

    /// The changes after `cursor` for one device, oldest first: the catalog, technicians, work
    /// orders and appointments as they are now, deletions as tombstones, each as far as the
    /// device's role needs it (``DeviceRole``). Staff rows never carry the hub's PIN hash: a
    /// device that signs people in gets a verifier keyed for it; customers' phone numbers and
    /// VINs travel sealed for the device, to the roles that need them.
    /// `understood`: the entities the pulling board understands (an older board knows fewer;
    /// the others are skipped for it, and the cursor still moves on).
    public func changes(after cursor: Int64, limit: Int = 1000, for deviceID: String,
                        understood: Set<PulledChange.Entity> = Set(PulledChange.Entity.allCases)) throws -> PullResponse {
        guard let grant = try grant(deviceID) else { throw HubError.unknownDevice(deviceID) }
        return try changes(after: cursor, limit: limit, for: grant, understood: understood)
    }

    public func changes(after cursor: Int64, limit: Int = 1000, for grant: DeviceGrant,
                        understood: Set<PulledChange.Entity> = Set(PulledChange.Entity.allCases)) throws -> PullResponse {
        let role = grant.role
        return try database.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, entity, key, deleted FROM hub_change WHERE seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [cursor, limit + 1])
            var changes: [PulledChange] = []
            var last = cursor
            for row in rows.prefix(limit) {
                last = row["seq"]       // a row the role does not see still moves the cursor on
                guard let entity = PulledChange.Entity(rawValue: row["entity"]), understood.contains(entity) else { continue }
                let key: String = row["key"]
                var change = PulledChange(seq: row["seq"], entity: entity, key: key, deleted: row["deleted"])
                if !change.deleted {
                    switch entity {
                    case .bin, .part, .barcode, .technician:
                        guard role.seesStaffAndCatalogue else { continue }
                    case .appointment:
                        guard role.seesAppointments, grant.key != nil else { continue }
                    case .partsRequest, .workshopEvent, .quote, .transfer:
                        guard role.seesStaffAndCatalogue else { continue }
                    case .purchaseOrder, .delivery:
                        // Orders carry the prices agreed with the supplier: the counter's and the store's.
                        guard role == .counter || role == .store else { continue }
                    case .order:
                        break
                    }
                    switch entity {
                    case .bin: change.bin = try Bin.fetchOne(db, key: key)
                    case .part:
                        change.part = try Part.fetchOne(db, key: key)
                        // What a part cost the store is the counter's and the store's business, not a bay's or the desk's.
                        if role != .counter && role != .store { change.part?.unitCost = nil }
                    case .barcode: change.barcode = try PartBarcode.fetchOne(db, key: key)
                    case .technician:
                        guard var person = try Technician.fetchOne(db, key: key) else { break }
                        if let hash = person.pinHash, let key = grant.key, role.signInRoles.contains(person.role) {
                            change.pinVerifier = PINHash.deviceVerifier(from: hash, key: key)
                        }
                        person.pinHash = nil
                        change.technician = person
                    case .appointment:
                        guard var appointment = try Appointment.fetchOne(db, key: key), let deviceKey = grant.key else { break }
                        change.sealedCustomer = try deviceKey.seal(SealedCustomerFields(vin: appointment.vin, phone: appointment.customerPhone))
                        (appointment.vin, appointment.customerPhone) = ("", "")
                        change.appointment = appointment
                    case .transfer:
                        change.transfer = try StoreTransfer.fetchOne(db, key: key)
                    case .purchaseOrder:
                        change.purchaseOrder = try PurchaseOrder.fetchOne(db, key: key)
                    case .delivery:
                        change.delivery = try UUID(uuidString: key).flatMap { try DeliveryFact.fetch($0, in: db) }
                    case .order:
                        change.order = try WorkOrder.fetchOne(db, key: key).map { try pulled($0, for: grant) }
                    case .partsRequest:
                        change.partsRequest = try UUID(uuidString: key).flatMap { try PartsRequest.fetchOne(db, key: $0) }
                        change.order = try orderComingLater(change.partsRequest?.ticketCode, than: change.seq, for: grant, in: db)
                    case .workshopEvent:
                        change.workshopEvent = try UUID(uuidString: key).flatMap { try WorkshopEvent.fetchOne(db, key: $0) }
                        change.order = try orderComingLater(change.workshopEvent?.ticketCode, than: change.seq, for: grant, in: db)
                    case .quote:
                        change.quote = try UUID(uuidString: key).flatMap { try JobQuote.fetchOne(db, key: $0) }
                        change.order = try orderComingLater(change.quote?.ticketCode, than: change.seq, for: grant, in: db)
                        // The phone link the customer answered through opens their page: only
                        // for the roles that get phone links; the others learn that it was the link.
                        if !role.seesPhoneLinks, change.quote?.decidedVia != nil, change.quote?.decision != .withdrawn {
                            change.quote?.decidedVia = "phone link"
                        }
                    }
                }
                changes.append(change)
            }
            return PullResponse(changes: changes, cursor: last, more: rows.count > limit)
        }
    }

    private func rejection(of event: SyncEvent, reason: String, in db: Database) throws -> RejectedEvent? {
        guard let transition = event.transition, let order = try WorkOrder.fetchOne(db, key: transition.ticketCode) else { return nil }
        return RejectedEvent(id: event.id, ticketCode: transition.ticketCode, reason: reason, hubState: order.state, hubStateSince: order.stateSince)
    }

    /// `own`: the hub's own change; `decided`: the chain's ledger applied it already (projected here).
    private func apply(_ event: SyncEvent, from deviceID: String, own: Bool = false, decided: Bool = false, in db: Database) throws {
        switch event.kind {
        case .stockMovement:
            guard let m = event.movement else { return }
            // Stock is a sum of movements: a device's movement is a fact the hub adds, even
            // if the hub's count would go below zero meanwhile.
            _ = try StockLedger.record(MovementDraft(key: m.key, kind: m.kind, partNumber: m.partNumber, quantity: m.quantity,
                                                     fromBin: m.fromBin, toBin: m.toBin, workOrder: m.workOrder, reason: m.reason,
                                                     reverses: m.reverses, stocktakeID: m.stocktakeID, scanText: m.scanText,
                                                     trace: m.trace, deviceID: m.deviceID, actor: m.actor, recordedAt: m.recordedAt),
                                       allowNegativeStock: true, printsSlips: false, in: db)
            try Transfers.apply(m, carton: event.transfer, own: own, decided: decided, in: db)
            // The open requests for this part go out to the boards again (unchanged or not):
            // a counter that decided an arrival or an issue on its own stock learns the hub's
            // word on it once its movement is through.
            try db.execute(sql: """
                UPDATE parts_request SET arrivedAt = arrivedAt
                WHERE clearedAt IS NULL AND id IN (SELECT requestID FROM parts_request_part WHERE partNumber = ?)
                """, arguments: [m.partNumber])
        case .stocktake, .stockAlert:
            // Kept as it came, for the store's upstream systems (and passed on to head office).
            let at = event.alert.map { $0.change == .cleared ? ($0.alert.clearedAt ?? $0.alert.raisedAt) : $0.alert.raisedAt }
                ?? event.stocktake.map { $0.stocktake.confirmedAt ?? $0.stocktake.closedAt ?? $0.stocktake.openedAt } ?? Date()
            try db.execute(sql: "INSERT INTO hub_fact (eventID, deviceID, kind, at, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           arguments: [event.id, deviceID, event.kind.rawValue, at, String(decoding: try JSONEncoder().encode(event), as: UTF8.self)])
        case .partsRequest:
            guard var r = event.partsRequest, try !PartsRequest.exists(db, key: r.id) else { return }
            guard let order = try WorkOrder.fetchOne(db, key: r.ticketCode) else { throw WorkshopError.unknownWorkOrder(r.ticketCode) }
            // Arrived and cleared are the hub's to say, from the movements it applies. A request
            // for a job the hub has closed meanwhile is kept closed with it (the boards pull that).
            r.arrivedAt = nil
            r.clearedAt = order.state.isOpen ? nil : max(r.raisedAt, order.stateSince)
            // Where the parts go is the job's bay, and a request stands in the queue from when it
            // was raised: never before the job was opened, nor after it reached the hub (a
            // board cannot put its request ahead of the others, or out of reach of issues).
            let now = Date()
            r.bay = order.bay ?? r.bay
            r.raisedAt = min(max(r.raisedAt, order.openedAt), now)
            try Workshop.raise(r, in: db)
            guard r.clearedAt == nil else { return }
            // A request that reaches the hub late (its bay was offline) may be met already:
            // issued since it was raised, or its parts in stock.
            try Workshop.clearSatisfiedRequests(workOrder: r.ticketCode, at: now, in: db)
            for part in Set(r.parts.map(\.partNumber)).sorted() {
                try Workshop.noteArrivals(of: part, actor: "hub", at: now, in: db)
            }
        case .delivery:
            guard let fact = event.delivery else { return }
            guard try PurchaseOrder.exists(db, key: fact.delivery.orderNumber) else { throw PurchasingError.unknownOrder(fact.delivery.orderNumber) }
            if !decided { try Purchasing.checkPushed(fact, from: deviceID, in: db) }
            try Purchasing.learn(fact, in: db)
        case .workshopEvent:
            guard var e = event.workshopEvent else { return }
            guard let order = try WorkOrder.fetchOne(db, key: e.ticketCode) else { throw WorkshopError.unknownWorkOrder(e.ticketCode) }
            guard order.state.isOpen else { throw WorkshopError.workOrderClosed(e.ticketCode, state: order.state) }
            e.at = min(e.at, Date())
            try e.insert(db, onConflict: .ignore)
        case .jobOpened:
            guard var o = event.order, try !WorkOrder.exists(db, key: o.ticketCode) else { return }
            if o.sealed != nil {
                guard let key = try DeviceGrant.fetch(deviceID, key: database.personalData, in: db)?.key else { throw DeviceKeyError.noKey(deviceID) }
                o = try o.openingCustomer(with: key)
            }
            // No job opened in the future: it would head its bay's queue (the bay's current job
            // is the one in its state the latest).
            o.openedAt = min(o.openedAt, Date())
            var appointment: Appointment?
            switch own ? nil : try DeviceGrant.role(of: deviceID, in: db) {
            case .lobby?:
                // Opened from an appointment (checked when it came): the customer, the vehicle and
                // the services are the hub's appointment's, whatever the kiosk sent; no bay (the
                // desk or a bay's staff give it one); the kiosk's phone link only if it is one
                // kioskd makes (the kiosk may have printed it on the customer's ticket).
                guard let a = try DeviceGrant.appointment(for: o, in: db), a.ticketCode == nil || a.ticketCode == o.ticketCode else {
                    throw WorkshopError.unknownAppointment(o.appointment ?? o.plate)
                }
                (o.plate, o.vin, o.customerPhone, o.services, o.promisedAt, o.bay) =
                    (a.plate, a.vin, a.customerPhone, a.services, a.promisedAt, nil)
                if !Workshop.isPublicToken(o.publicToken) { o.publicToken = Workshop.makePublicToken() }
                appointment = a
            case .store?:
                break       // a store's appointments are its own: codes may repeat between stores
            default:
                appointment = try o.appointment.flatMap { try Appointment.fetchOne(db, key: $0) }
            }
            try o.workOrder(state: .checkedIn, since: o.openedAt).insertSealed(db)
            // The appointment it came from is used: it opens no other job.
            if var appointment, appointment.ticketCode == nil {
                appointment.ticketCode = o.ticketCode
                try appointment.update(db)
            }
        case .jobTransition:
            guard let t = event.transition, try !JobTransition.exists(db, key: t.id) else { return }
            if t.fromState == nil {
                try t.insert(db)       // the opening transition (checked in)
            } else {
                // The move was made from a state the job is no longer in here: another bay
                // moved it first. The first move to arrive wins.
                if let current = try WorkOrder.fetchOne(db, key: t.ticketCode)?.state, let from = t.fromState, current != from {
                    throw StaleMove(ticketCode: t.ticketCode, from: from, to: t.toState, hubState: current)
                }
                _ = try Workshop.transition(t.ticketCode, to: t.toState, actor: t.actor, bay: t.bay, reason: t.reason, parts: [], id: t.id, at: t.at, in: db)
            }
        }
    }

    static func hash(_ text: String) -> String { StaffAccess.hash(text) }
}

/// A job move made from a state the job has left at the hub.
struct StaleMove: Error, CustomStringConvertible {
    var ticketCode: String
    var from: JobState
    var to: JobState
    var hubState: JobState
    var description: String {
        "\(ticketCode) 已被其他工位改为「\(hubState.nameZh)」/ another bay moved \(ticketCode) to \(hubState.rawValue) first: this move \(from.rawValue) → \(to.rawValue) is void"
    }
}

/// One event as a ledger kept outside the store (the hub's PostgreSQL) stored and decided it.
public struct LedgerEntry: Sendable {
    /// The ledger's order of this store's events.
    public var sequence: Int64
    public var deviceID: String
    public var event: SyncEvent
    /// The ledger's decision ("applied", "rejected: …", "not applied: …").
    public var outcome: String
    public var receivedAt: Date
    public init(sequence: Int64, deviceID: String, event: SyncEvent, outcome: String, receivedAt: Date) {
        self.sequence = sequence
        self.deviceID = deviceID
        self.event = event
        self.outcome = outcome
        self.receivedAt = receivedAt
    }
}

extension KioskDatabase {
    /// The store hub: enrolment and the events devices push.
    public var hub: Hub { Hub(database: self) }
}
