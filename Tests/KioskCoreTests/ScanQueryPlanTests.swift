import Foundation
import GRDB
import Synchronization
import Testing
@testable import KioskCore

/// A store's catalog holds thousands of parts and its log grows by every scan: what a scan
/// reads must be found by key, never by reading a whole table.
@Suite("The queries of a scan")
struct ScanQueryPlanTests {
    @Test("the scan path reads a part by position, from a column list that is every column of the part table")
    func partColumnsByPosition() throws {
        let store = try TemporaryStore()
        let columns = try store.database.pool.read { db in try db.columns(in: "part").map(\.name) }
        #expect(Set(Part.orderedColumns(of: "part").components(separatedBy: ", ")) == Set(columns.map { "part.\($0)" }),
                "a column added to the part table must be added to Part.orderedColumns and Part(orderedRow:) too")
        let part = Part(partNumber: "P-1", nameZh: "滤芯", nameEn: "Filter", unit: "个", safetyStock: 2, reorderPoint: 4, defaultBin: "A-01",
                        unitCost: 1250, supplier: "S-1", packSize: 6, reorderTarget: 12)
        try store.database.catalog.save(part, barcodes: ["5901234123457"])
        let read = try store.database.pool.read { db in try Catalog.part(forCode: "5901234123457", in: db) }
        #expect(read == part)
        #expect(try store.database.pool.read { db in try Catalog.part(forCode: "P-1", in: db) } == part)
    }

    @Test("every statement a day's scans run (receive, issue, return, transfer, count, look-up, undo) finds its rows through an index")
    func everyScanStatementUsesAnIndex() throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-1")
        // A bay waits for the filter, so that receipts look for the requests they complete.
        _ = try store.database.workshop.requestParts("WO-1", bay: "BAY-1", parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 5)])
        let executed = Mutex<Set<String>>([])
        try store.database.pool.writeWithoutTransaction { db in
            db.trace { event in
                if case .statement(let statement) = event { executed.withLock { _ = $0.insert(statement.sql) } }
            }
        }
        let counter = Counter(database: store.database, deviceID: "c")
        _ = try counter.scan(
            "KD:CMD:RECEIVE", "KD:BIN:A-01", "KD:CMD:QTY:5", "6901234567892", "KD:CMD:UNDO", "KD:CMD:QTY:5", "6901234567892",
            "4006381333931", "15400-RTA-003",
            "KD:CMD:ISSUE", "KD:WO:WO-1", "6901234567892", "KD:CMD:UNDO", "6901234567892",
            "KD:CMD:RETURN", "KD:WO:WO-1", "6901234567892",
            "KD:CMD:TRANSFER", "KD:BIN:A-01", "KD:BIN:A-02", "6901234567892",
            "KD:CMD:LOOKUP", "6901234567892", "NO-SUCH-CODE",
            "KD:CMD:COUNT", "KD:BIN:A-01", "KD:CMD:QTY:3", "6901234567892")
        try store.database.pool.writeWithoutTransaction { db in db.trace(options: []) }

        let statements = executed.withLock { $0 }.filter { sql in
            // Transaction control, and the "-- TRIGGER name" marks of trigger programs.
            let verb = sql.trimmingWhitespace().prefix(9).uppercased()
            return !["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "--"].contains { verb.hasPrefix($0) }
        }
        #expect(statements.count > 10, "the trace saw the scans' statements: \(statements)")
        var fullScans: [String] = []
        try store.database.pool.read { db in
            for sql in statements.sorted() {
                // Unbound parameters are NULL: the plan does not depend on their values.
                let statement = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
                statement.setUncheckedArguments([])
                for row in try Row.fetchAll(statement) {
                    let detail: String = row["detail"]
                    // "SCAN <table>" reads every row; "SCAN CONSTANT ROW", scans of a
                    // subquery's own few rows and of one row's JSON list (json_each) do not.
                    if detail.hasPrefix("SCAN "), !detail.hasPrefix("SCAN CONSTANT ROW"), !detail.hasPrefix("SCAN json_each VIRTUAL TABLE") {
                        fullScans.append("\(detail)  ←  \(sql)")
                    }
                }
            }
        }
        #expect(fullScans.isEmpty, "statements that read a whole table:\n\(fullScans.joined(separator: "\n"))")
    }
}
