import Foundation
import GRDB
import Testing
@testable import KioskCore

/// The scan path binds its writes straight into SQLite (`BoundParameters`): what it stores must
/// be exactly what GRDB's own arguments store, byte for byte and type for type, or rows
/// written by a scan would read back differently from rows written anywhere else.
@Suite("Parameters bound straight into SQLite")
struct BoundParametersTests {
    /// `quote()` shows a value's SQLite type and its exact bytes (text in quotes, blobs as X'…').
    static let quoted = "SELECT quote(?), quote(?), quote(?), quote(?), quote(?), quote(?), quote(?), quote(?), quote(?), quote(?), quote(?), quote(?)"

    @Test("every kind of value is stored as GRDB's arguments store it")
    func sameAsGRDB() throws {
        let store = try TemporaryStore()
        let id = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        let chinese = "机油滤清器 \"oil\" \\ \n\u{1D} end", empty = "", long = String(repeating: "零件", count: 40)
        let absent: String? = nil, noID: UUID? = nil
        let (grdb, bound) = try store.database.pool.write { db -> ([String], [String]) in
            let statement = try db.cachedStatement(sql: Self.quoted)
            let grdb = try Row.fetchOne(statement, arguments: [chinese, empty, long, absent, -42, Int.max, true, false, id, noID, "B-01", "a\u{0}b"])!
            // The same cached statement, so that arguments bound by GRDB before are not what is read.
            let bound = try statement.readFirstRow(binding: { p in
                p.bind(chinese); p.bind(empty); p.bind(long); p.bind(absent); p.bind(-42); p.bind(Int.max)
                p.bind(true); p.bind(false); p.bind(id); p.bind(noID); p.bind("B-01"); p.bind("a\u{0}b")
            }, { row in (0..<12).map { row[$0] as String } })!
            return ((0..<12).map { grdb[$0] as String }, bound)
        }
        #expect(bound == grdb)
        #expect(bound[8] == "X'E621E1F8C36C495A93FC0C247A3E6E5F'", "a UUID is its 16 bytes, as GRDB stores it")
        #expect(bound[3] == "NULL" && bound[9] == "NULL")
    }

    @Test("a statement run with GRDB's arguments after bound ones, and bound ones after, each writes its own values")
    func mixedWithGRDBArguments() throws {
        let store = try TemporaryStore()
        try store.database.pool.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT, b INTEGER)")
            let sql = "INSERT INTO t (a, b) VALUES (?, ?)"
            try db.cachedStatement(sql: sql).execute(binding: { p in p.bind("one"); p.bind(1) })
            try db.cachedStatement(sql: sql).execute(arguments: ["two", 2])
            try db.cachedStatement(sql: sql).execute(binding: { p in p.bind("three"); p.bind(nil as Int?) })
            try db.cachedStatement(sql: sql).execute(arguments: ["four", 4])
        }
        let rows = try store.database.pool.read { db in try Row.fetchAll(db, sql: "SELECT a, b FROM t ORDER BY rowid") }
        #expect(rows.map { $0["a"] as String } == ["one", "two", "three", "four"])
        #expect(rows.map { $0["b"] as Int? } == [1, 2, nil, 4])
    }

    @Test("a bound write that fails throws the store's error, and the statement works again after it")
    func failureThenReuse() throws {
        let store = try TemporaryStore()
        try store.database.pool.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT PRIMARY KEY)")
            let sql = "INSERT INTO t (a) VALUES (?)"
            try db.cachedStatement(sql: sql).execute(binding: { $0.bind("x") })
            #expect(throws: DatabaseError.self) { try db.cachedStatement(sql: sql).execute(binding: { $0.bind("x") }) }
            try db.cachedStatement(sql: sql).execute(binding: { $0.bind("y") })
        }
        let count = try store.database.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") }
        #expect(count == 2)
    }
}
