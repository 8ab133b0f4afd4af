import Foundation
import GRDB
import Testing
@testable import KioskCore

/// The scan path binds its writes straight into SQLite (`BoundParameters`): what it stores must
/// be exactly what GRDB's own arguments store, byte for byte and type for type, or rows
/// written by a scan would read back differently from rows written anywhere else.
@Suite("Parameters bound straight into SQLite")
struct BoundParametersTests {
    /// Each value's SQLite type, its bytes in hex (all of them: a NUL inside is not the end)
    /// and `quote()`'s reading of it.
    static let quoted = "SELECT " + (1...12).map { "typeof(?\($0)) || ' ' || hex(?\($0)) || ' ' || quote(?\($0))" }.joined(separator: ", ")

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
        #expect(bound[8] == "blob E621E1F8C36C495A93FC0C247A3E6E5F X'E621E1F8C36C495A93FC0C247A3E6E5F'", "a UUID is its 16 bytes, as GRDB stores it")
        #expect(bound[3] == "null  NULL" && bound[9] == "null  NULL")
        #expect(bound[11] == "text 61 'a'", "text up to its first NUL, as GRDB binds it")
        #expect(bound[6] == "integer 31 1" && bound[4] == "integer 2D3432 -42")
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

    @Test("a bound write that fails throws the store's error, and the same statement runs again after it")
    func failureThenReuse() throws {
        let store = try TemporaryStore()
        try store.database.pool.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT PRIMARY KEY)")
            // Held, not looked up again: GRDB drops a failed statement from its cache, and a
            // caller that holds one must still be able to run it.
            let insert = try db.cachedStatement(sql: "INSERT INTO t (a) VALUES (?)")
            try insert.execute(binding: { $0.bind("x") })
            #expect(throws: DatabaseError.self) { try insert.execute(binding: { $0.bind("x") }) }
            try insert.execute(binding: { $0.bind("y") })
        }
        let count = try store.database.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") }
        #expect(count == 2)
    }

    @Test("a read stepped straight that fails throws, and the same statement reads again after it")
    func failedReadThenReuse() throws {
        let store = try TemporaryStore()
        try store.database.pool.write { db in
            // abs() of the smallest integer overflows: an error at the step, not at the prepare.
            let read = try db.cachedStatement(sql: "SELECT abs(?)")
            #expect(throws: DatabaseError.self) { _ = try read.readFirstRow(binding: { $0.bind(Int.min) }, { $0[0] as Int }) }
            let value = try read.readFirstRow(binding: { $0.bind(-7) }, { $0[0] as Int })
            #expect(value == 7)
        }
    }
}
