import Foundation
import GRDB

/// Where a new car stands in its life at the store, from the truck to the customer.
public enum VehicleStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// On the yard, free to sell (counts towards the model's stock).
    case onYard = "on_yard"
    /// Held for a sale being negotiated.
    case reserved
    case sold
    /// Pre-delivery inspection (PDI) done.
    case inspected
    case delivered

    public var nameZh: String {
        switch self {
        case .onYard: "在库"
        case .reserved: "已预订"
        case .sold: "已售"
        case .inspected: "已PDI"
        case .delivered: "已交车"
        }
    }
}

/// A new car on the yard (整车).
public struct Vehicle: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "vehicle"
    public var vin: String
    public var model: String
    public var colour: String
    public var status: VehicleStatus
    /// The yard bin (a parking row or space); `nil` once delivered.
    public var bin: String?
    public var salesOrder: String?
    public var receivedAt: Date
    public var updatedAt: Date
}

/// One step of a vehicle, recorded once by its idempotency key like a parts movement.
public struct VehicleMovement: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "vehicle_movement"
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case receive, move, reserve, release, sell, inspect, deliver

        public var nameZh: String {
            switch self {
            case .receive: "入库"
            case .move: "移位"
            case .reserve: "预订"
            case .release: "取消预订"
            case .sell: "销售"
            case .inspect: "PDI"
            case .deliver: "交车"
            }
        }
    }
    public var seq: Int64?
    public var key: UUID
    public var vin: String
    public var kind: Kind
    public var fromBin: String?
    public var toBin: String?
    public var salesOrder: String?
    public var deviceID: String
    public var actor: String
    public var recordedAt: Date
}

/// Safety stock for a model, or for one colour of it (`colour` empty: any colour).
public struct ModelSafetyStock: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "model_safety_stock"
    public var model: String
    public var colour: String
    public var safetyStock: Int

    public init(model: String, colour: String = "", safetyStock: Int) {
        self.model = model
        self.colour = colour
        self.safetyStock = safetyStock
    }

    var label: String { colour.isEmpty ? model : "\(model) \(colour)" }
}

/// A model (or model and colour) below its safety stock: raised when the cars free to sell
/// fall below it, cleared when they are back.
public struct YardAlert: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "yard_alert"
    public var id: Int64?
    public var model: String
    public var colour: String
    public var available: Int
    public var safetyStock: Int
    public var raisedAt: Date
    public var clearedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var message: String {
        let label = colour.isEmpty ? model : "\(model) \(colour)"
        return "车型 \(label) 可售 \(available) 台，低于安全库存 \(safetyStock) / model \(label): \(available) free to sell, below safety stock \(safetyStock)"
    }
}

/// What a yard step asks for.
public struct VehicleStep: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case receive(model: String, colour: String, bin: String)
        case move(to: String)
        case reserve(salesOrder: String)
        case release
        case sell(salesOrder: String)
        case inspect
        case deliver
    }
    public var key: UUID
    public var vin: VIN
    public var action: Action
    public var deviceID: String
    public var actor: String
    public var at: Date

    public init(key: UUID = UUID(), vin: VIN, action: Action, deviceID: String, actor: String, at: Date = Date()) {
        self.key = key
        self.vin = vin
        self.action = action
        self.deviceID = deviceID
        self.actor = actor
        self.at = at
    }
}

/// Why a yard step is refused. Nothing changes.
public enum YardError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownVehicle(String)
    case alreadyOnYard(String, status: VehicleStatus)
    case notAllowed(String, kind: VehicleMovement.Kind, status: VehicleStatus)
    case sameBin(String, bin: String)
    case unknownBin(String)
    case missingField(String)
    case noOpenStocktake
    case stocktakeAlreadyOpen

    public var description: String {
        switch self {
        case .unknownVehicle(let vin): "车辆 \(vin) 不在车场记录中 / vehicle \(vin) is not on the yard's books: receive it first"
        case let .alreadyOnYard(vin, status): "车辆 \(vin) 已在册（\(status.nameZh)）/ vehicle \(vin) is already on the books (\(status.rawValue))"
        case let .notAllowed(vin, kind, status):
            "车辆 \(vin) 当前\(status.nameZh)，不能\(kind.nameZh) / vehicle \(vin) is \(status.rawValue): cannot \(kind.rawValue) it (order: receive → reserve → sell → inspect (PDI) → deliver)"
        case let .sameBin(vin, bin): "车辆 \(vin) 已在 \(bin) / vehicle \(vin) is already in \(bin)"
        case .unknownBin(let bin): "未知车场库位 \(bin) / unknown yard bin \(bin): add it with `kioskd bins add`"
        case .missingField(let field): "缺少 \(field) / \(field) is required"
        case .noOpenStocktake: "没有进行中的车场盘点 / no yard stocktake is open: open one first"
        case .stocktakeAlreadyOpen: "车场盘点已在进行中 / a yard stocktake is already open: close it first"
        }
    }
}

/// The outcome of a yard step.
public struct VehicleOutcome: Sendable, Hashable {
    public var vehicle: Vehicle
    public var movement: VehicleMovement
    /// `true` when the key had been recorded before: nothing was applied again.
    public var duplicate: Bool
    public var raised: [YardAlert]
    public var cleared: [YardAlert]
}

/// What a yard stocktake found, against the books.
public struct YardVariance: Sendable, Hashable {
    public struct Misplaced: Sendable, Hashable {
        public var vin: String
        public var expectedBin: String?
        public var foundBin: String
    }
    public struct Unexpected: Sendable, Hashable {
        public var vin: String
        public var foundBin: String
        /// Why it should not be there: not on the books, or already delivered.
        public var reason: String
    }
    /// On the books (not delivered) and not scanned.
    public var missing: [Vehicle]
    public var unexpected: [Unexpected]
    public var misplaced: [Misplaced]
    public var counted: Int

    public var isClean: Bool { missing.isEmpty && unexpected.isEmpty && misplaced.isEmpty }

    /// The report, a line per finding, Chinese first.
    public var report: String {
        var lines = ["车场盘点：已盘 \(counted) 台，缺失 \(missing.count)，多出 \(unexpected.count)，错位 \(misplaced.count) / yard count: \(counted) counted, \(missing.count) missing, \(unexpected.count) unexpected, \(misplaced.count) misplaced"]
        for v in missing { lines.append("  缺失 missing \(v.vin) \(v.model) \(v.colour) (\(v.bin ?? "-"))") }
        for u in unexpected { lines.append("  多出 unexpected \(u.vin) @\(u.foundBin): \(u.reason)") }
        for m in misplaced { lines.append("  错位 misplaced \(m.vin): \(m.expectedBin ?? "-") → \(m.foundBin)") }
        return lines.joined(separator: "\n")
    }
}

/// The new-car yard: vehicles received, moved, reserved, sold, inspected and delivered, each
/// step one transaction with its movement, and safety stock per model checked in the same
/// transaction.
public struct Yard: Sendable {
    let database: KioskDatabase

    public func record(_ step: VehicleStep) throws -> VehicleOutcome {
        try database.pool.write { try Self.record(step, in: $0) }
    }

    static func record(_ step: VehicleStep, in db: Database) throws -> VehicleOutcome {
        let vin = step.vin.text
        if let done = try VehicleMovement.filter(Column("key") == step.key).fetchOne(db) {
            let vehicle = try Vehicle.fetchOne(db, key: done.vin)!
            return VehicleOutcome(vehicle: vehicle, movement: done, duplicate: true, raised: [], cleared: [])
        }
        let existing = try Vehicle.fetchOne(db, key: vin)
        var movement = VehicleMovement(seq: nil, key: step.key, vin: vin, kind: .receive, fromBin: nil, toBin: nil, salesOrder: nil,
                                       deviceID: step.deviceID, actor: step.actor, recordedAt: step.at)
        var vehicle: Vehicle
        var touched: [(String, String)] = []
        switch step.action {
        case let .receive(model, colour, bin):
            let model = model.trimmingCharacters(in: .whitespaces), colour = colour.trimmingCharacters(in: .whitespaces)
            guard !model.isEmpty else { throw YardError.missingField("车型 model") }
            guard !colour.isEmpty else { throw YardError.missingField("颜色 colour") }
            try requireBin(bin, in: db)
            if let existing, existing.status != .delivered { throw YardError.alreadyOnYard(vin, status: existing.status) }
            vehicle = Vehicle(vin: vin, model: model, colour: colour, status: .onYard, bin: bin, salesOrder: nil,
                              receivedAt: step.at, updatedAt: step.at)
            movement.toBin = bin
            if existing != nil { try vehicle.update(db) } else { try vehicle.insert(db) }
            touched.append((model, colour))
            if let existing { touched.append((existing.model, existing.colour)) }
        default:
            guard let current = existing else { throw YardError.unknownVehicle(vin) }
            vehicle = current
            let (kind, allowed): (VehicleMovement.Kind, Set<VehicleStatus>) = switch step.action {
            case .move: (.move, [.onYard, .reserved, .sold, .inspected])
            case .reserve: (.reserve, [.onYard])
            case .release: (.release, [.reserved])
            case .sell: (.sell, [.onYard, .reserved])
            case .inspect: (.inspect, [.sold])
            case .deliver: (.deliver, [.inspected])
            case .receive: (.receive, [])
            }
            movement.kind = kind
            guard allowed.contains(current.status) else { throw YardError.notAllowed(vin, kind: kind, status: current.status) }
            switch step.action {
            case .move(let bin):
                try requireBin(bin, in: db)
                guard bin != current.bin else { throw YardError.sameBin(vin, bin: bin) }
                movement.fromBin = current.bin
                movement.toBin = bin
                vehicle.bin = bin
            case .reserve(let order), .sell(let order):
                guard !order.isEmpty else { throw YardError.missingField("销售订单 sales order") }
                vehicle.status = kind == .reserve ? .reserved : .sold
                vehicle.salesOrder = order
                movement.salesOrder = order
            case .release:
                vehicle.status = .onYard
                movement.salesOrder = current.salesOrder
                vehicle.salesOrder = nil
            case .inspect:
                vehicle.status = .inspected
            case .deliver:
                vehicle.status = .delivered
                movement.fromBin = current.bin
                vehicle.bin = nil
            case .receive:
                break
            }
            vehicle.updatedAt = step.at
            try vehicle.update(db)
            touched.append((vehicle.model, vehicle.colour))
        }
        try movement.insert(db)
        movement.seq = db.lastInsertedRowID
        var raised: [YardAlert] = [], cleared: [YardAlert] = []
        var seen = Set<String>()
        for (model, colour) in touched where seen.insert("\(model)\u{1F}\(colour)").inserted {
            let (r, c) = try updateAlerts(model: model, colour: colour, at: step.at, in: db)
            raised += r
            cleared += c
        }
        return VehicleOutcome(vehicle: vehicle, movement: movement, duplicate: false, raised: raised, cleared: cleared)
    }

    static func requireBin(_ bin: String, in db: Database) throws {
        guard try StockLedger.binExists(bin, in: db) else { throw YardError.unknownBin(bin) }
    }

    /// Cars of `model` (and `colour`, if given) free to sell.
    static func available(model: String, colour: String, in db: Database) throws -> Int {
        var sql = "SELECT COUNT(*) FROM vehicle WHERE model = ? AND status = 'on_yard'"
        var arguments: StatementArguments = [model]
        if !colour.isEmpty {
            sql += " AND colour = ?"
            arguments += [colour]
        }
        return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
    }

    /// Raises or clears the alerts of every safety-stock rule that covers this model and colour.
    static func updateAlerts(model: String, colour: String, at time: Date, in db: Database) throws -> (raised: [YardAlert], cleared: [YardAlert]) {
        let rules = try ModelSafetyStock.filter(Column("model") == model && [colour, ""].contains(Column("colour"))).fetchAll(db)
        var raised: [YardAlert] = [], cleared: [YardAlert] = []
        for rule in rules {
            let available = try available(model: rule.model, colour: rule.colour, in: db)
            let open = try YardAlert.filter(Column("model") == rule.model && Column("colour") == rule.colour && Column("clearedAt") == nil).fetchOne(db)
            if available < rule.safetyStock, open == nil {
                var alert = YardAlert(id: nil, model: rule.model, colour: rule.colour, available: available, safetyStock: rule.safetyStock,
                                      raisedAt: time, clearedAt: nil)
                try alert.insert(db)
                raised.append(alert)
            } else if available >= rule.safetyStock, var alert = open {
                alert.clearedAt = time
                alert.available = available
                try alert.update(db)
                cleared.append(alert)
            } else if available < rule.safetyStock, var alert = open, alert.available != available {
                alert.available = available
                try alert.update(db)
            }
        }
        return (raised, cleared)
    }

    // MARK: Safety stock

    /// Sets (or, with 0, keeps but disables) the safety stock of a model or a model's colour,
    /// and raises or clears its alert at once.
    public func setSafetyStock(_ rule: ModelSafetyStock, at time: Date = Date()) throws -> (raised: [YardAlert], cleared: [YardAlert]) {
        guard !rule.model.isEmpty else { throw YardError.missingField("车型 model") }
        guard rule.safetyStock >= 0 else { throw YardError.missingField("安全库存 ≥ 0 safety stock ≥ 0") }
        return try database.pool.write { db in
            try rule.upsert(db)
            return try Self.updateAlerts(model: rule.model, colour: rule.colour, at: time, in: db)
        }
    }

    public func openAlerts() throws -> [YardAlert] {
        try database.pool.read { try YardAlert.filter(Column("clearedAt") == nil).order(Column("raisedAt")).fetchAll($0) }
    }

    // MARK: Queries

    public func vehicle(_ vin: String) throws -> Vehicle? {
        try database.pool.read { try Vehicle.fetchOne($0, key: vin) }
    }

    /// Vehicles on the books, not yet delivered unless `includeDelivered`.
    public func vehicles(includeDelivered: Bool = false) throws -> [Vehicle] {
        try database.pool.read { db in
            var request = Vehicle.order(Column("model"), Column("colour"), Column("vin"))
            if !includeDelivered { request = request.filter(Column("status") != VehicleStatus.delivered.rawValue) }
            return try request.fetchAll(db)
        }
    }

    public func movements(of vin: String) throws -> [VehicleMovement] {
        try database.pool.read { try VehicleMovement.filter(Column("vin") == vin).order(Column("seq")).fetchAll($0) }
    }

    /// Cars free to sell per model and colour, with the safety stock that applies, if any.
    public func stockByModel() throws -> [(model: String, colour: String, available: Int, safetyStock: Int?)] {
        try database.pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT model, colour, SUM(status = 'on_yard') AS available FROM vehicle
                WHERE status != 'delivered' GROUP BY model, colour ORDER BY model, colour
                """)
            let rules = try ModelSafetyStock.fetchAll(db)
            return rows.map { row in
                let model: String = row["model"], colour: String = row["colour"]
                let rule = rules.first { $0.model == model && $0.colour == colour } ?? rules.first { $0.model == model && $0.colour.isEmpty }
                return (model, colour, row["available"], rule?.safetyStock)
            }
        }
    }

    // MARK: Yard stocktake

    /// Opens a yard stocktake: every car found is then scanned where it stands.
    public func openStocktake(actor: String, at time: Date = Date()) throws -> UUID {
        try database.pool.write { try Self.openStocktake(actor: actor, at: time, in: $0) }
    }

    static func openStocktake(actor: String, at time: Date, in db: Database) throws -> UUID {
        if try openStocktakeID(in: db) != nil { throw YardError.stocktakeAlreadyOpen }
        let id = UUID()
        try db.execute(sql: "INSERT INTO yard_stocktake (id, openedAt, actor) VALUES (?, ?, ?)", arguments: [id, time, actor])
        return id
    }

    static func openStocktakeID(in db: Database) throws -> UUID? {
        try UUID.fetchOne(db, sql: "SELECT id FROM yard_stocktake WHERE closedAt IS NULL")
    }

    /// Records a car seen in `bin` during the open stocktake (seen again: where it was seen last).
    public func count(_ vin: VIN, in bin: String, at time: Date = Date()) throws {
        try database.pool.write { try Self.count(vin, in: bin, at: time, in: $0) }
    }

    static func count(_ vin: VIN, in bin: String, at time: Date, in db: Database) throws {
        guard let id = try openStocktakeID(in: db) else { throw YardError.noOpenStocktake }
        try requireBin(bin, in: db)
        try db.execute(sql: """
            INSERT INTO yard_count (stocktakeID, vin, bin, countedAt) VALUES (?, ?, ?, ?)
            ON CONFLICT (stocktakeID, vin) DO UPDATE SET bin = excluded.bin, countedAt = excluded.countedAt
            """, arguments: [id, vin.text, bin, time])
    }

    /// Closes the open stocktake and lists missing, unexpected and misplaced cars.
    public func closeStocktake(at time: Date = Date()) throws -> YardVariance {
        try database.pool.write { try Self.closeStocktake(at: time, in: $0) }
    }

    static func closeStocktake(at time: Date, in db: Database) throws -> YardVariance {
        guard let id = try Self.openStocktakeID(in: db) else { throw YardError.noOpenStocktake }
        try db.execute(sql: "UPDATE yard_stocktake SET closedAt = ? WHERE id = ?", arguments: [time, id])
        let counts = try Row.fetchAll(db, sql: "SELECT vin, bin FROM yard_count WHERE stocktakeID = ? ORDER BY vin", arguments: [id])
        let found = Dictionary(uniqueKeysWithValues: counts.map { (row: Row) -> (String, String) in (row["vin"], row["bin"]) })
        let books = try Vehicle.order(Column("vin")).fetchAll(db)
        let byVIN = Dictionary(uniqueKeysWithValues: books.map { ($0.vin, $0) })
        var variance = YardVariance(missing: [], unexpected: [], misplaced: [], counted: found.count)
        for vehicle in books where vehicle.status != .delivered && found[vehicle.vin] == nil { variance.missing.append(vehicle) }
        for (vin, bin) in found.sorted(by: { $0.key < $1.key }) {
            guard let vehicle = byVIN[vin] else {
                variance.unexpected.append(.init(vin: vin, foundBin: bin, reason: "不在车场记录中 / not on the yard's books"))
                continue
            }
            if vehicle.status == .delivered {
                variance.unexpected.append(.init(vin: vin, foundBin: bin, reason: "已交车 / already delivered"))
            } else if vehicle.bin != bin {
                variance.misplaced.append(.init(vin: vin, expectedBin: vehicle.bin, foundBin: bin))
            }
        }
        return variance
    }
}

extension KioskDatabase {
    /// The new-car yard.
    public var yard: Yard { Yard(database: self) }
}
