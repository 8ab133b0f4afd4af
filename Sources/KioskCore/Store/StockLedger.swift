import Foundation
import GRDB

/// Moves stock and answers stock questions. Balances are derived from movements: each
/// movement updates the cached `stock_balance` rows in the same transaction, and
/// ``checkBalances()`` recomputes them from the movements to find any drift.
public struct StockLedger: Sendable {
    let database: KioskDatabase

    /// Records one movement in its own transaction. Recording a key that is already stored
    /// changes nothing and returns ``MovementOutcome/alreadyRecorded(_:)``.
    public func record(_ draft: MovementDraft, allowNegativeStock: Bool = false) throws -> MovementOutcome {
        try database.write { db in try Self.record(draft, allowNegativeStock: allowNegativeStock, in: db) }
    }

    /// What a movement of a part needs to know of it besides the part itself, read with it.
    struct MovementFacts: Sendable, Hashable {
        /// On hand in every bin but quarantine.
        var onHand: Int
        /// Whether a stock alert stands for the part.
        var alerting: Bool
        /// Whether an open parts request names the part.
        var requested: Bool

        /// The columns that read the facts of the part in `table`, in this order, for a SELECT
        /// that reads the part (``init(row:at:)``).
        static func columns(of table: String) -> String {
            """
            (SELECT COALESCE(SUM(quantity), 0) FROM stock_balance WHERE partNumber = \(table).partNumber AND binCode != '\(Purchasing.quarantineBin)') AS onHand,
            EXISTS (SELECT 1 FROM stock_alert WHERE partNumber = \(table).partNumber AND clearedAt IS NULL) AS alerting,
            EXISTS (SELECT 1 FROM parts_request_part named JOIN parts_request ON parts_request.id = named.requestID
                    WHERE named.partNumber = \(table).partNumber AND parts_request.clearedAt IS NULL) AS requested
            """
        }

        /// The facts read by ``columns(of:)`` from column `index` on.
        init(row: SteppedRow, at index: Int) {
            onHand = row[index]
            alerting = row[index + 1]
            requested = row[index + 2]
        }
    }

    /// The movement's part (its columns by position, ``Part/init(orderedRow:)``), whether its
    /// bins exist, and its ``MovementFacts``: one query.
    private static let partForMovementSQL = """
                SELECT \(Part.orderedColumns(of: "p")),
                  ?1 IS NULL OR EXISTS (SELECT 1 FROM bin WHERE code = ?1) AS fromBinFound,
                  ?2 IS NULL OR EXISTS (SELECT 1 FROM bin WHERE code = ?2) AS toBinFound,
                  \(MovementFacts.columns(of: "p"))
                FROM part p WHERE p.partNumber = ?3
                """

    /// What recording a movement came to, with what the ledger learnt on the way, so that
    /// the scan path need not ask the store again.
    struct Booking {
        var outcome: MovementOutcome
        /// The part's on hand after the movement (all bins but quarantine); `nil` when the
        /// movement was recorded already (nothing was read).
        var onHandAfter: Int?
        /// The work orders whose requested parts are all here since this movement.
        var arrivals: [String] = []
    }

    /// Records a movement inside a transaction the caller owns.
    ///
    /// This is the scan path, kept to three statements for a receipt, each a cached prepared
    /// statement: one read (the part, its bins, its on-hand total, whether an alert stands and
    /// whether an open parts request names it), the movement's insert (which is also the
    /// idempotency check, by its key), and the balance. A draft whose key is stored already returns ``MovementOutcome/alreadyRecorded(_:)``
    /// whatever the stock is now. A refusal after the insert (not enough stock) leaves the
    /// insert to the caller's rollback: the caller's transaction or savepoint ends with the throw.
    ///
    /// `printsSlips`: whether parts arriving for a bay queue their slip here (false at a hub
    /// applying a board's movement: the board that took the parts in printed it).
    public static func record(_ draft: MovementDraft, allowNegativeStock: Bool, printsSlips: Bool = true, in db: Database) throws -> MovementOutcome {
        try book(draft, allowNegativeStock: allowNegativeStock, printsSlips: printsSlips, in: db).outcome
    }

    /// ``record(_:allowNegativeStock:printsSlips:in:)`` with the on hand after it and the
    /// arrivals it completed.
    ///
    /// `known`: the draft's part with its facts as the caller has just read them in this
    /// transaction (the counter, with the code scanned), so that they are not read again. The
    /// bins are then left to the movement's foreign keys: a bin that is not there refuses the
    /// movement as ``StockError/unknownBin(_:)`` all the same.
    static func book(_ draft: MovementDraft, known: (part: Part, facts: MovementFacts)? = nil, allowNegativeStock: Bool,
                     printsSlips: Bool = true, in db: Database) throws -> Booking {
        let part: Part
        let facts: MovementFacts
        do {
            try draft.validate()
            if let known {
                precondition(known.part.partNumber == draft.partNumber, "the part given is the draft's")
                (part, facts) = known
            } else {
                // By position (the part's columns, then the bins' and the facts), not by name: see Part(orderedRow:).
                let bins = Part.orderedColumnNames.count
                guard let found = try db.cachedStatement(sql: partForMovementSQL).readFirstRow(binding: { p in p.bind(draft.fromBin); p.bind(draft.toBin); p.bind(draft.partNumber) }, { row in
                    (part: Part(orderedRow: row), fromBinFound: row[bins] as Bool, toBinFound: row[bins + 1] as Bool, facts: MovementFacts(row: row, at: bins + 2))
                }) else {
                    throw StockError.unknownPart(draft.partNumber)
                }
                if !found.fromBinFound, let bin = draft.fromBin { throw StockError.unknownBin(bin) }
                if !found.toBinFound, let bin = draft.toBin { throw StockError.unknownBin(bin) }
                (part, facts) = (found.part, found.facts)
            }
            if let reversed = draft.reverses,
               try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM stock_movement WHERE reverses = ?)"), arguments: [reversed]) == true {
                throw StockError.alreadyReversed(reversed.uuidString)
            }
        } catch let refusal as StockError {
            // Delivered again (a retried scan, a push): stored already, whatever the catalog says now.
            if let existing = try storedMovement(draft.key, in: db) { return Booking(outcome: .alreadyRecorded(existing), onHandAfter: nil) }
            throw refusal
        }
        return try book(draft, part: part, before: facts.onHand, alerting: facts.alerting, requested: facts.requested,
                        allowNegativeStock: allowNegativeStock, printsSlips: printsSlips, in: db)
    }

    private static func book(_ draft: MovementDraft, part: Part, before: Int, alerting: Bool, requested: Bool, allowNegativeStock: Bool,
                             printsSlips: Bool, in db: Database) throws -> Booking {
        var movement = StockMovement(draft)
        // The insert is also the idempotency check: a stored key inserts nothing.
        // A prepared statement with its arguments, not the Codable record insert: on the scan
        // path the record encoding cost more CPU than the rest of the movement (measured with
        // perf in kioskd-bench). The values are stored exactly as the record would store them.
        do {
            try insert(movement, in: db)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            // A bin deleted since it was scanned (the hub's catalog): refused, as the read would have.
            for bin in [draft.fromBin, draft.toBin].compactMap({ $0 }) where try !binExists(bin, in: db) { throw StockError.unknownBin(bin) }
            throw error
        }
        if db.changesCount == 0, let existing = try storedMovement(draft.key, in: db) {
            return Booking(outcome: .alreadyRecorded(existing), onHandAfter: nil)
        }
        movement.seq = db.lastInsertedRowID
        let balance = try db.cachedStatement(sql: "SELECT quantity FROM stock_balance WHERE partNumber = ? AND binCode = ?")
        let addToBalance = try db.cachedStatement(sql: """
            INSERT INTO stock_balance (partNumber, binCode, quantity) VALUES (?, ?, ?)
            ON CONFLICT (partNumber, binCode) DO UPDATE SET quantity = quantity + excluded.quantity
            """)
        for (bin, delta) in movement.deltas {
            if delta < 0, !allowNegativeStock {
                let current = try Int.fetchOne(balance, arguments: [draft.partNumber, bin]) ?? 0
                if current + delta < 0 {
                    throw StockError.insufficientStock(partNumber: draft.partNumber, bin: bin, onHand: current, requested: -delta)
                }
            }
            try addToBalance.execute { p in p.bind(draft.partNumber); p.bind(bin); p.bind(delta) }
        }
        if movement.kind == .adjust {
            let delta = movement.deltas.map { "\($0.bin) \($0.delta > 0 ? "+" : "")\($0.delta)" }.joined(separator: ", ")
            try AuditLog.record(.stockAdjusted, actor: movement.actor,
                                detail: "\(movement.partNumber) \(delta): \(movement.reason ?? "") (#\(movement.seq ?? 0))", at: movement.recordedAt, in: db)
        }
        if movement.kind == .issue, let workOrder = movement.workOrder {
            try Workshop.clearSatisfiedRequests(workOrder: workOrder, at: movement.recordedAt, in: db)
        }
        // Bays waiting for this part: stock that came in may complete their requests, stock
        // that went out may leave one short again. Damaged parts in quarantine are not stock.
        // (No open request names the part: nothing to read; most movements.)
        let change = movement.deltas.reduce(0) { $0 + ($1.bin == Purchasing.quarantineBin ? 0 : $1.delta) }
        var arrivals: [String] = []
        if requested, change > 0 {
            arrivals = try Workshop.noteArrivals(of: movement.partNumber, actor: movement.actor, at: movement.recordedAt, printsSlips: printsSlips, in: db)
        } else if requested, change < 0 {
            try Workshop.withdrawArrivals(of: movement.partNumber, actor: movement.actor, at: movement.recordedAt, in: db)
        }
        let after = before + change
        let alerts = try updateAlerts(for: part, from: before, to: after, movement: movement, alerting: alerting, in: db)
        return Booking(outcome: .recorded(movement, alerts: alerts), onHandAfter: after, arrivals: arrivals)
    }

    /// The movement stored under `key`, if any.
    private static func storedMovement(_ key: UUID, in db: Database) throws -> StockMovement? {
        try StockMovement.fetchOne(db.cachedStatement(sql: "SELECT * FROM stock_movement WHERE key = ?"), arguments: [key])
    }

    /// Inserts the movement unless its key is stored already (then `changesCount` is 0).
    private static func insert(_ movement: StockMovement, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO stock_movement (key, kind, partNumber, quantity, fromBin, toBin, workOrder, reason, reverses,
              stocktakeID, scanText, lot, expiry, serial, netQuantity, deviceID, actor, recordedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO NOTHING
            """).execute { p in
                p.bind(movement.key); p.bind(movement.kind.rawValue); p.bind(movement.partNumber); p.bind(movement.quantity)
                p.bind(movement.fromBin); p.bind(movement.toBin); p.bind(movement.workOrder); p.bind(movement.reason)
                p.bind(movement.reverses); p.bind(movement.stocktakeID); p.bind(movement.scanText); p.bind(movement.lot)
                p.bind(movement.expiry); p.bind(movement.serial); p.bind(movement.netQuantity); p.bind(movement.deviceID)
                p.bind(movement.actor); p.bind(StoredDate.text(movement.recordedAt))
            }
    }

    static func binExists(_ code: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM bin WHERE code = ?)"), arguments: [code]) ?? false
    }

    /// Clears the part's standing alerts that `after` ends and raises each level that holds
    /// at `after` and does not stand yet (so a part received exactly to its reorder point is
    /// at it, and stays alerted as it falls); `alerting` says whether any stands (when none
    /// does, none is read).
    static func updateAlerts(for part: Part, from before: Int, to after: Int, movement: StockMovement, alerting: Bool = true,
                             in db: Database) throws -> [StockAlert] {
        guard before != after, part.safetyStock > 0 || part.reorderPoint > 0 else { return [] }
        let standing = !alerting ? [] : try StockAlert.fetchAll(db.cachedStatement(sql: "SELECT * FROM stock_alert WHERE partNumber = ? AND clearedAt IS NULL"),
                                                                arguments: [part.partNumber])
        for var alert in standing where StockAlert.clears(alert.level, part: part, onHand: after) {
            alert.clearedAt = movement.recordedAt
            try alert.update(db)
        }
        var raised: [StockAlert] = []
        for level in StockAlert.levels(of: part, onHand: after)
        where !standing.contains(where: { $0.level == level && $0.clearedAt == nil }) {
            let alert = StockAlert(id: nil, partNumber: part.partNumber, level: level, onHand: after,
                                   threshold: level == .belowSafetyStock ? part.safetyStock : part.reorderPoint,
                                   movementKey: movement.key, raisedAt: movement.recordedAt, clearedAt: nil)
            try alert.insert(db)
            raised.append(alert)
        }
        return raised
    }

    /// A part's total on hand across all bins but quarantine (damaged parts waiting to go back).
    public static func onHand(of partNumber: String, in db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(quantity), 0) FROM stock_balance WHERE partNumber = ? AND binCode != ?"),
                         arguments: [partNumber, Purchasing.quarantineBin]) ?? 0
    }

    /// Balances by part × bin, leaving out zero rows; filter by part or by bin.
    public func balances(partNumber: String? = nil, bin: String? = nil) throws -> [StockBalance] {
        try database.pool.read { db in
            var request = StockBalance.filter(Column("quantity") != 0)
            if let partNumber { request = request.filter(Column("partNumber") == partNumber) }
            if let bin { request = request.filter(Column("binCode") == bin) }
            return try request.order(Column("partNumber"), Column("binCode")).fetchAll(db)
        }
    }

    /// Movements, newest first.
    public func movements(partNumber: String? = nil, bin: String? = nil, workOrder: String? = nil, limit: Int = 50) throws -> [StockMovement] {
        try database.pool.read { db in
            var request = StockMovement.all()
            if let partNumber { request = request.filter(Column("partNumber") == partNumber) }
            if let bin { request = request.filter(Column("fromBin") == bin || Column("toBin") == bin) }
            if let workOrder { request = request.filter(Column("workOrder") == workOrder) }
            return try request.order(Column("seq").desc).limit(limit).fetchAll(db)
        }
    }

    /// How many items with this serial number are in stock (0 or 1 when serials are unique).
    static func serialInStock(_ partNumber: String, serial: String, in db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COALESCE(SUM(CASE WHEN toBin IS NOT NULL THEN quantity ELSE 0 END)
                          - SUM(CASE WHEN fromBin IS NOT NULL THEN quantity ELSE 0 END), 0)
            FROM stock_movement WHERE partNumber = ? AND serial = ?
            """), arguments: [partNumber, serial]) ?? 0
    }

    /// How many of a part a work order holds: issued to it, less what came back (returns),
    /// with undone issues and returns taken out.
    static func issuedNotReturned(_ partNumber: String, workOrder: String, in db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COALESCE(SUM(CASE WHEN fromBin IS NOT NULL AND toBin IS NULL THEN quantity
                                     WHEN toBin IS NOT NULL AND fromBin IS NULL THEN -quantity ELSE 0 END), 0)
            FROM stock_movement
            WHERE workOrder = ? AND partNumber = ? AND kind IN ('issue', 'return', 'reversal')
            """), arguments: [workOrder, partNumber]) ?? 0
    }

    /// Alerts still standing (not cleared), oldest first, with the part's on-hand now (not
    /// as it was when the alert was raised).
    public func standingAlerts() throws -> [StockAlert] {
        try database.pool.read { db in
            try StockAlert.fetchAll(db, sql: """
                SELECT a.id, a.partNumber, a.level,
                       COALESCE((SELECT SUM(quantity) FROM stock_balance b WHERE b.partNumber = a.partNumber AND b.binCode != '\(Purchasing.quarantineBin)'), 0) AS onHand,
                       a.threshold, a.movementKey, a.raisedAt, a.clearedAt
                FROM stock_alert a WHERE a.clearedAt IS NULL ORDER BY a.id
                """)
        }
    }

    /// A difference between the cached balance and the sum of the movements.
    public struct Drift: Sendable, Hashable, CustomStringConvertible {
        public var partNumber: String
        public var binCode: String
        public var cached: Int
        public var fromMovements: Int
        public var description: String {
            "\(partNumber) @ \(binCode): cached \(cached), movements say \(fromMovements)"
        }
    }

    /// Recomputes every balance from the movements and lists where the cache disagrees.
    /// With `repair`, rewrites the cache from the movements in the same transaction.
    /// The movements are read once, in order, so that `progress` can say how far the check
    /// has come on a store with years of movements.
    /// Without `repair` it only reads (a snapshot), so the counter keeps scanning meanwhile.
    public func checkBalances(repair: Bool = false, actor: String = "kioskd stock check --repair", progress: ProgressHandler? = nil) throws -> [Drift] {
        guard repair else { return try database.pool.read { try Self.checkBalances(repair: false, actor: actor, progress: progress, in: $0) } }
        return try database.pool.write { try Self.checkBalances(repair: true, actor: actor, progress: progress, in: $0) }
    }

    static func checkBalances(repair: Bool, actor: String, progress: ProgressHandler?, in db: Database) throws -> [Drift] {
        let phase = "核对库存 checking balances"
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stock_movement") ?? 0
        struct Key: Hashable { var part: String; var bin: String }
        var derived: [Key: Int] = [:]
        let movements = try Row.fetchCursor(db, sql: "SELECT partNumber, fromBin, toBin, quantity FROM stock_movement")
        var done = 0
        while let row = try movements.next() {
            if done % 5000 == 0 { progress?(WorkProgress(phase: phase, done: done, total: total, unit: "movements")) }
            let part: String = row[0], quantity: Int = row[3]
            if let from: String = row[1] { derived[Key(part: part, bin: from), default: 0] -= quantity }
            if let to: String = row[2] { derived[Key(part: part, bin: to), default: 0] += quantity }
            done += 1
        }
        progress?(WorkProgress(phase: phase, done: done, total: total, unit: "movements"))
        var cached: [Key: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT partNumber, binCode, quantity FROM stock_balance") {
            cached[Key(part: row[0], bin: row[1])] = row[2]
        }
        let drifts = Set(derived.keys).union(cached.keys)
            .filter { (derived[$0] ?? 0) != (cached[$0] ?? 0) }
            .sorted { ($0.part, $0.bin) < ($1.part, $1.bin) }
            .map { Drift(partNumber: $0.part, binCode: $0.bin, cached: cached[$0] ?? 0, fromMovements: derived[$0] ?? 0) }
        if repair {
            for drift in drifts {
                try db.execute(sql: """
                    INSERT INTO stock_balance (partNumber, binCode, quantity) VALUES (?, ?, ?)
                    ON CONFLICT (partNumber, binCode) DO UPDATE SET quantity = excluded.quantity
                    """, arguments: [drift.partNumber, drift.binCode, drift.fromMovements])
            }
            if !drifts.isEmpty {
                try AuditLog.record(.balancesRepaired, actor: actor,
                                    detail: drifts.map { "\($0.partNumber)@\($0.binCode) \($0.cached)→\($0.fromMovements)" }.joined(separator: "; "),
                                    at: Date(), in: db)
            }
        }
        return drifts
    }
}
