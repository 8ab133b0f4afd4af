import Foundation
import GRDB

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
