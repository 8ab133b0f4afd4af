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

    /// Finds the part a plain code names: a registered barcode (GTINs compared as GTIN-14),
    /// then a part number.
    static func part(forCode code: String, in db: Database) throws -> Part? {
        let key = GTIN(code)?.gtin14 ?? code
        let sql = "SELECT part.* FROM part LEFT JOIN barcode ON barcode.partNumber = part.partNumber AND barcode.code = ?1 WHERE barcode.code = ?1 OR part.partNumber = ?2 ORDER BY barcode.code IS NULL LIMIT 1"
        return try Part.fetchOne(db.cachedStatement(sql: sql), arguments: [key, code])
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
