import Foundation
import GRDB

/// A record that names a customer by phone number and VIN (work orders, appointments).
///
/// In the table the two are sealed (`vinSealed`, `phoneSealed`) with keyed hashes beside them
/// (`vinHash`, `phoneHash`); the plain values exist only in memory. Fetching opens them in SQL
/// through the connection's `kd_open` (see ``PersonalDataKey``); writing never stores them in
/// plain: ``sealCustomer(_:)`` passes them to `kd_seal` as bound arguments after the insert.
protocol SealedCustomerRecord: FetchableRecord, PersistableRecord {
    var vin: String { get }
    var customerPhone: String { get }
    /// The column that identifies the row, and its value.
    var rowKey: (column: String, value: any DatabaseValueConvertible) { get }
}

enum SealedCustomer {
    /// The selection that opens the sealed columns under their plain names.
    static var selection: [any SQLSelectable] { [
        AllColumns(),
        SQL(sql: "kd_open(vinSealed)").sqlExpression.forKey("vin"),
        SQL(sql: "kd_open(phoneSealed)").sqlExpression.forKey("customerPhone"),
    ] }
    /// The same, for hand-written SQL: `SELECT *, \(SealedCustomer.openSQL) FROM …`.
    static let openSQL = "kd_open(vinSealed) AS vin, kd_open(phoneSealed) AS customerPhone"

    /// Where a look-up by VIN or phone number matches: the keyed hash, never the plain value.
    static func vinMatches(_ vin: String) -> SQLExpression {
        SQL(sql: "vinHash = kd_lookup('vin', ?)", arguments: [vin]).sqlExpression
    }

    static func phoneMatches(_ phone: String) -> SQLExpression {
        SQL(sql: "phoneHash = kd_lookup('phone', ?)", arguments: [phone]).sqlExpression
    }
}

extension SealedCustomerRecord {
    /// Inserts the record and seals its customer's phone number and VIN in the same transaction.
    func insertSealed(_ db: Database) throws {
        try insert(db)
        try sealCustomer(db)
    }

    /// Writes the sealed phone number and VIN and their look-up hashes.
    func sealCustomer(_ db: Database) throws {
        let table = type(of: self).databaseTableName
        try db.execute(sql: """
            UPDATE \(table) SET vinSealed = kd_seal(?1), vinHash = kd_lookup('vin', ?1),
                phoneSealed = kd_seal(?2), phoneHash = kd_lookup('phone', ?2)
            WHERE \(rowKey.column) = ?3
            """, arguments: [vin, customerPhone, rowKey.value])
    }
}
