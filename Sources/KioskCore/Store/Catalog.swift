import Foundation
import GRDB

/// The parts catalog: parts, their barcodes and the bins.
public struct Catalog: Sendable {
    let database: KioskDatabase

    /// Inserts or updates one part with its barcodes (replacing the barcodes it had).
    /// A barcode that already belongs to a different part is refused.
    public func save(_ part: Part, barcodes: [String]) throws {
        try importParts(PartsImport(rows: [PartsImport.Row(part: part, barcodes: barcodes)]))
    }

    public func save(_ bin: Bin) throws {
        try database.pool.write { try bin.upsert($0) }
    }

    public func part(_ partNumber: String) throws -> Part? {
        try database.pool.read { try Part.fetchOne($0, key: partNumber) }
    }

    public func parts() throws -> [Part] {
        try database.pool.read { try Part.order(Column("partNumber")).fetchAll($0) }
    }

    public func bins() throws -> [Bin] {
        try database.pool.read { try Bin.order(Column("code")).fetchAll($0) }
    }

    public func barcodes(of partNumber: String) throws -> [PartBarcode] {
        try database.pool.read { try PartBarcode.filter(Column("partNumber") == partNumber).fetchAll($0) }
    }

    /// Every part's unit cost (fen) where it is known, by part number.
    public func unitCosts() throws -> [String: Int] {
        try database.pool.read { db in
            var costs: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT partNumber, unitCost FROM part WHERE unitCost IS NOT NULL") { costs[row[0]] = row[1] }
            return costs
        }
    }

    private static let partByBarcodeSQL = """
        SELECT \(Part.orderedColumns(of: "part")), \(StockLedger.MovementFacts.columns(of: "part"))
        FROM barcode JOIN part ON part.partNumber = barcode.partNumber WHERE barcode.code = ?
        """
    private static let partByNumberSQL =
        "SELECT \(Part.orderedColumns(of: "part")), \(StockLedger.MovementFacts.columns(of: "part")) FROM part WHERE partNumber = ?"

    /// Finds the part a plain code names: a registered barcode (GTINs compared as GTIN-14),
    /// then a part number.
    static func part(forCode code: String, in db: Database) throws -> Part? {
        try partWithFacts(forCode: code, in: db)?.part
    }

    /// ``part(forCode:in:)`` with what a movement of the part needs to know (its on hand,
    /// alerts and requests), read in the same query: a scan that books the part reads it once.
    static func partWithFacts(forCode code: String, in db: Database) throws -> (part: Part, facts: StockLedger.MovementFacts)? {
        // Two look-ups by key, the barcode first. (One query with `barcode.code = ? OR
        // part.partNumber = ?` read the whole part table for every scan.)
        let key = GTIN(code)?.gtin14 ?? code
        // Read by position (Part(orderedRow:)), straight from the statement.
        func read(_ row: SteppedRow) -> (part: Part, facts: StockLedger.MovementFacts) {
            (Part(orderedRow: row), StockLedger.MovementFacts(row: row, at: Part.orderedColumnNames.count))
        }
        if let found = try db.cachedStatement(sql: partByBarcodeSQL).readFirstRow(binding: { $0.bind(key) }, read) {
            return found
        }
        return try db.cachedStatement(sql: partByNumberSQL).readFirstRow(binding: { $0.bind(code) }, read)
    }
}

public enum CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    case barcodeBelongsToAnotherPart(code: String, owner: String)

    public var description: String {
        switch self {
        case let .barcodeBelongsToAnotherPart(code, owner):
            "条码 \(code) 已属于配件 \(owner) / barcode \(code) already belongs to part \(owner)"
        }
    }
}

extension KioskDatabase {
    /// Parts, barcodes and bins.
    public var catalog: Catalog { Catalog(database: self) }
}
