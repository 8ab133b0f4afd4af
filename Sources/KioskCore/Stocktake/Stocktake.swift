import Foundation
import GRDB

/// A stocktake (盘点) of one bin or of the whole store.
///
/// Open it, scan what is on the shelves, close it to get the variance report (expected vs
/// counted per part × bin, expected taken at closing), then confirm to post one `count`
/// movement per line that differs.
public struct Stocktake: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stocktake"

    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case open, closed, confirmed
    }

    public var id: UUID
    /// The bin counted, or `nil` for the whole store.
    public var binCode: String?
    public var status: Status
    public var openedBy: String
    public var openedAt: Date
    public var closedAt: Date?
    public var confirmedAt: Date?

    public var scopeDescription: String { binCode.map { "库位 \($0)" } ?? "全店 whole store" }
}

/// One line of a variance report (差异).
public struct VarianceLine: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stocktake_line"
    public var stocktakeID: UUID
    public var partNumber: String
    public var binCode: String
    public var expected: Int
    public var counted: Int
    /// Counted minus expected: positive is a surplus (盘盈), negative a shortage (盘亏).
    public var variance: Int { counted - expected }
}

/// Why a stocktake action was refused.
public enum StocktakeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(UUID)
    case alreadyOpen(UUID, scope: String)
    case noOpenStocktake
    case noClosedStocktake
    case awaitingConfirmation(UUID, scope: String)
    case notOpen(UUID, status: Stocktake.Status)
    case notClosed(UUID, status: Stocktake.Status)
    case binOutsideScope(bin: String, scope: String)

    public var description: String {
        switch self {
        case .notFound(let id): "找不到盘点单 \(id) / no stocktake \(id)"
        case let .alreadyOpen(id, scope): "\(scope) 已有进行中的盘点 \(id)：请先关闭 / a stocktake of \(scope) is already open (\(id)): close it first"
        case let .awaitingConfirmation(id, scope): "\(scope) 的盘点 \(id.uuidString.prefix(8)) 已关闭待确认：请先扫描确认码过账 / the stocktake of \(scope) (\(id.uuidString.prefix(8))) is closed and waits for CONFIRM: scan CONFIRM first"
        case .noClosedStocktake: "没有待确认的盘点：请先扫描关闭码生成差异 / no closed stocktake to confirm: scan CLOSE first to see the variance"
        case .noOpenStocktake: "没有进行中的盘点：请扫描库位开始盘点 / no open stocktake: scan a bin in count mode to open one"
        case let .notOpen(id, status): "盘点 \(id) 状态为 \(status.rawValue)，不能再计数 / stocktake \(id) is \(status.rawValue), not open"
        case let .notClosed(id, status): "盘点 \(id) 状态为 \(status.rawValue)，需先关闭才能确认 / stocktake \(id) is \(status.rawValue): close it before confirming"
        case let .binOutsideScope(bin, scope): "库位 \(bin) 不在本次盘点范围 (\(scope)) / bin \(bin) is outside this stocktake (\(scope))"
        }
    }
}

/// Opens, counts, closes and confirms stocktakes.
public struct StocktakeBook: Sendable {
    let database: KioskDatabase

    public func open(bin: String?, actor: String, at time: Date = Date()) throws -> Stocktake {
        try database.pool.write { try Self.open(bin: bin, actor: actor, at: time, in: $0) }
    }

    public func close(_ id: UUID, at time: Date = Date(), progress: ProgressHandler? = nil) throws -> [VarianceLine] {
        try database.pool.write { try Self.close(id, at: time, in: $0, progress: progress) }
    }

    public func confirm(_ id: UUID, deviceID: String, actor: String, at time: Date = Date()) throws -> [StockMovement] {
        try database.pool.write { try Self.confirm(id, deviceID: deviceID, actor: actor, at: time, in: $0) }
    }

    public func recordCount(stocktake id: UUID, key: UUID = UUID(), partNumber: String, bin: String, quantity: Int, deviceID: String, actor: String, at time: Date = Date()) throws {
        try database.pool.write {
            try Self.recordCount(stocktake: id, key: key, partNumber: partNumber, bin: bin, quantity: quantity,
                                 reverses: nil, deviceID: deviceID, actor: actor, at: time, in: $0)
        }
    }

    public func stocktake(_ id: UUID) throws -> Stocktake? {
        try database.pool.read { try Stocktake.fetchOne($0, key: id) }
    }

    public func all() throws -> [Stocktake] {
        try database.pool.read { try Stocktake.order(Column("openedAt").desc).fetchAll($0) }
    }

    /// The variance lines of a closed or confirmed stocktake.
    public func report(_ id: UUID) throws -> [VarianceLine] {
        try database.pool.read {
            try VarianceLine.filter(Column("stocktakeID") == id).order(Column("binCode"), Column("partNumber")).fetchAll($0)
        }
    }

    // MARK: - Inside a caller's transaction

    static func open(bin: String?, actor: String, at time: Date, in db: Database) throws -> Stocktake {
        if let bin, try !Bin.exists(db, key: bin) { throw StockError.unknownBin(bin) }
        let pending = try Stocktake.filter([Stocktake.Status.open.rawValue, Stocktake.Status.closed.rawValue].contains(Column("status"))).fetchAll(db)
        if let clash = pending.first(where: { $0.binCode == nil || bin == nil || $0.binCode == bin }) {
            // A closed stocktake not yet confirmed still has its variance to post: a second
            // count of the same shelves now would post it again.
            if clash.status == .closed { throw StocktakeError.awaitingConfirmation(clash.id, scope: clash.scopeDescription) }
            throw StocktakeError.alreadyOpen(clash.id, scope: clash.scopeDescription)
        }
        let stocktake = Stocktake(id: UUID(), binCode: bin, status: .open, openedBy: actor, openedAt: time)
        try stocktake.insert(db)
        return stocktake
    }

    /// The open stocktake that covers a bin, if any.
    static func openStocktake(covering bin: String, in db: Database) throws -> Stocktake? {
        try Stocktake.filter(Column("status") == Stocktake.Status.open.rawValue)
            .filter(Column("binCode") == nil || Column("binCode") == bin).fetchOne(db)
    }

    static func recordCount(stocktake id: UUID, key: UUID, partNumber: String, bin: String, quantity: Int, reverses: UUID?, deviceID: String, actor: String, at time: Date, in db: Database) throws {
        if try Row.fetchOne(db, sql: "SELECT 1 FROM stocktake_scan WHERE key = ?", arguments: [key]) != nil { return }
        guard let stocktake = try Stocktake.fetchOne(db, key: id) else { throw StocktakeError.notFound(id) }
        guard stocktake.status == .open else { throw StocktakeError.notOpen(id, status: stocktake.status) }
        if let scope = stocktake.binCode, scope != bin { throw StocktakeError.binOutsideScope(bin: bin, scope: stocktake.scopeDescription) }
        guard try Part.exists(db, key: partNumber) else { throw StockError.unknownPart(partNumber) }
        guard try Bin.exists(db, key: bin) else { throw StockError.unknownBin(bin) }
        try db.execute(sql: """
            INSERT INTO stocktake_scan (key, stocktakeID, partNumber, binCode, quantity, reverses, deviceID, actor, recordedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [key, id, partNumber, bin, quantity, reverses, deviceID, actor, time])
    }

    static func close(_ id: UUID, at time: Date, in db: Database, progress: ProgressHandler? = nil) throws -> [VarianceLine] {
        guard var stocktake = try Stocktake.fetchOne(db, key: id) else { throw StocktakeError.notFound(id) }
        guard stocktake.status == .open else { throw StocktakeError.notOpen(id, status: stocktake.status) }
        // Expected: what the books said when the shelf was counted: the balance now less what
        // moved in or out of that part × bin after it was counted. A line was counted at its
        // first standing count scan; a line nobody scanned, when its bin was first counted
        // (the part was looked for and not there); in a bin nobody visited, now. So a delivery
        // received into a bin while it is being counted stays on the books, and an issue made
        // before the shelf was counted is not taken off twice. Undone count scans do not count
        // as a visit, and a confirmed stocktake's adjustments are not moves on the shelf.
        // Counted: the sum of the count scans (undos included, as negative scans).
        progress?(WorkProgress(phase: "核对账面 comparing with the books", done: 0, total: nil, unit: "lines"))
        let rows = try Row.fetchAll(db, sql: """
            WITH standing AS (
                SELECT s.partNumber, s.binCode, s.quantity, s.recordedAt FROM stocktake_scan s
                WHERE s.stocktakeID = ?2 AND s.reverses IS NULL
                  AND NOT EXISTS (SELECT 1 FROM stocktake_scan r WHERE r.reverses = s.key)
            ), firstScan AS (
                SELECT partNumber, binCode, MIN(recordedAt) AS at FROM standing GROUP BY partNumber, binCode
            ), binCounted AS (
                SELECT binCode, MIN(recordedAt) AS at FROM standing GROUP BY binCode
            ), deltas AS (
                SELECT partNumber, toBin AS binCode, quantity AS delta, recordedAt FROM stock_movement
                WHERE toBin IS NOT NULL AND (?1 IS NULL OR toBin = ?1) AND recordedAt > ?3 AND kind != 'count'
                UNION ALL
                SELECT partNumber, fromBin, -quantity, recordedAt FROM stock_movement
                WHERE fromBin IS NOT NULL AND (?1 IS NULL OR fromBin = ?1) AND recordedAt > ?3 AND kind != 'count'
            ), later AS (
                SELECT d.partNumber, d.binCode, SUM(d.delta) AS delta FROM deltas d
                LEFT JOIN firstScan f ON f.partNumber = d.partNumber AND f.binCode = d.binCode
                LEFT JOIN binCounted b ON b.binCode = d.binCode
                WHERE d.recordedAt > COALESCE(f.at, b.at, '9999-12-31')
                GROUP BY d.partNumber, d.binCode
            ), emptyFinds AS (
                SELECT partNumber, binCode FROM standing WHERE quantity = 0
            ), balances AS (
                SELECT partNumber, binCode, quantity FROM stock_balance WHERE (?1 IS NULL OR binCode = ?1)
                UNION ALL
                SELECT partNumber, binCode, -delta FROM later
            ), expected AS (
                SELECT partNumber, binCode, SUM(quantity) AS quantity FROM balances
                GROUP BY partNumber, binCode HAVING SUM(quantity) != 0
            ), counted AS (
                SELECT partNumber, binCode, SUM(quantity) AS quantity,
                       EXISTS (SELECT 1 FROM emptyFinds z WHERE z.partNumber = s.partNumber AND z.binCode = s.binCode) AS emptyFind
                FROM stocktake_scan s
                WHERE stocktakeID = ?2 GROUP BY partNumber, binCode
            ), keys AS (
                SELECT partNumber, binCode FROM expected UNION SELECT partNumber, binCode FROM counted
            )
            SELECT k.partNumber, k.binCode, COALESCE(e.quantity, 0) AS expected, COALESCE(c.quantity, 0) AS counted
            FROM keys k
            LEFT JOIN expected e ON e.partNumber = k.partNumber AND e.binCode = k.binCode
            LEFT JOIN counted c ON c.partNumber = k.partNumber AND c.binCode = k.binCode
            -- A line counted 0 on purpose (keypad 0, then the part) stays, even with 0 expected:
            -- the clerk looked, and the report must say so.
            WHERE COALESCE(e.quantity, 0) != 0 OR COALESCE(c.quantity, 0) != 0 OR c.emptyFind = 1
            ORDER BY k.binCode, k.partNumber
            """, arguments: [stocktake.binCode, id, stocktake.openedAt])
        var lines: [VarianceLine] = []
        for (index, row) in rows.enumerated() {
            if index % 500 == 0 { progress?(WorkProgress(phase: "写入差异 writing the variance", done: index, total: rows.count, unit: "lines")) }
            let line = VarianceLine(stocktakeID: id, partNumber: row["partNumber"], binCode: row["binCode"],
                                    expected: row["expected"], counted: row["counted"])
            try line.insert(db)
            lines.append(line)
        }
        progress?(WorkProgress(phase: "写入差异 writing the variance", done: rows.count, total: rows.count, unit: "lines"))
        stocktake.status = .closed
        stocktake.closedAt = time
        try stocktake.update(db)
        return lines
    }

    static func confirm(_ id: UUID, deviceID: String, actor: String, at time: Date, in db: Database) throws -> [StockMovement] {
        guard var stocktake = try Stocktake.fetchOne(db, key: id) else { throw StocktakeError.notFound(id) }
        guard stocktake.status == .closed else { throw StocktakeError.notClosed(id, status: stocktake.status) }
        let lines = try VarianceLine.filter(Column("stocktakeID") == id).fetchAll(db)
        var movements: [StockMovement] = []
        for line in lines where line.variance != 0 {
            let draft = MovementDraft(
                kind: .count, partNumber: line.partNumber, quantity: abs(line.variance),
                fromBin: line.variance < 0 ? line.binCode : nil, toBin: line.variance > 0 ? line.binCode : nil,
                reason: "盘点 stocktake \(id.uuidString.prefix(8)): expected \(line.expected), counted \(line.counted)",
                stocktakeID: id, deviceID: deviceID, actor: actor, recordedAt: time)
            // A count always applies: the shelf is what it is, even if that makes a bin negative
            // because stock moved after closing.
            movements.append(try StockLedger.record(draft, allowNegativeStock: true, in: db).movement)
        }
        stocktake.status = .confirmed
        stocktake.confirmedAt = time
        try stocktake.update(db)
        try AuditLog.record(.stocktakeConfirmed, actor: actor,
                            detail: "\(stocktake.scopeDescription) \(id.uuidString): \(movements.count) adjustments posted", at: time, in: db)
        return movements
    }
}

extension KioskDatabase {
    /// Stocktakes.
    public var stocktakes: StocktakeBook { StocktakeBook(database: self) }
}
