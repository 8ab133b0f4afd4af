import Foundation
import GRDB

/// A part found by the counter's stock look-up, with its stock per bin.
public struct StockRow: Codable, Sendable {
    public var partNumber: String
    public var nameZh: String
    public var nameEn: String
    /// Every bin that holds some, quarantine included (the damaged parts waiting to go back).
    public var bins: [String: Int]
    /// What can be issued: quarantine left out.
    public var onHand: Int
}

extension StockLedger {
    /// Parts whose number or name contains `query`, or with `query` as a barcode (a GTIN in
    /// any of its lengths): at most 20, with their stock per bin. Nothing for an empty query
    /// (the look-up never lists the whole catalog).
    public func search(_ query: String) async throws -> [StockRow] {
        guard !query.isEmpty else { return [] }
        return try await database.pool.read { db in
            let like = "%\(query)%"
            let parts = try Part.fetchAll(db, sql: """
                SELECT DISTINCT part.* FROM part LEFT JOIN barcode USING (partNumber)
                WHERE part.partNumber LIKE ?1 OR part.nameZh LIKE ?1 OR part.nameEn LIKE ?1 OR barcode.code = ?2
                ORDER BY part.partNumber LIMIT 20
                """, arguments: [like, GTIN(query)?.gtin14 ?? query])
            return try parts.map { part in
                let balances = try StockBalance.filter(Column("partNumber") == part.partNumber && Column("quantity") != 0).fetchAll(db)
                return StockRow(partNumber: part.partNumber, nameZh: part.nameZh, nameEn: part.nameEn,
                                bins: Dictionary(uniqueKeysWithValues: balances.map { ($0.binCode, $0.quantity) }),
                                onHand: balances.reduce(0) { $0 + ($1.binCode == Purchasing.quarantineBin ? 0 : $1.quantity) })
            }
        }
    }
}
