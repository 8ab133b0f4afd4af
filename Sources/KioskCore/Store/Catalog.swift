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

    /// Finds the part a plain code names: a registered barcode (GTINs compared as GTIN-14),
    /// then a part number.
    static func part(forCode code: String, in db: Database) throws -> Part? {
        // Two look-ups by key, the barcode first. (One query with `barcode.code = ? OR
        // part.partNumber = ?` read the whole part table for every scan.)
        let key = GTIN(code)?.gtin14 ?? code
        let byBarcode = "SELECT part.* FROM barcode JOIN part ON part.partNumber = barcode.partNumber WHERE barcode.code = ?"
        if let part = try Part.fetchOne(db.cachedStatement(sql: byBarcode), arguments: [key]) { return part }
        return try Part.fetchOne(db.cachedStatement(sql: "SELECT * FROM part WHERE partNumber = ?"), arguments: [code])
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
