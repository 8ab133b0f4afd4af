import Foundation
import GRDB
import GRDBSQLite

/// A statement's parameters bound one after the other straight into SQLite, each value
/// stored exactly as GRDB stores it (`String` as text up to its first NUL, `Int` and `Bool` as integers, `UUID` as
/// its 16 bytes, `nil` as NULL).
///
/// GRDB's `StatementArguments` boxes every value as an existential, converts it to a
/// `DatabaseValue` and binds it inside one nested closure per value: for the scan path's
/// writes (32 values a receipt) that was about a quarter of the scan's CPU in Swift
/// (kioskd-bench, perf). ``Statement/execute(binding:)`` binds through this instead.
struct BoundParameters: ~Copyable {
    fileprivate let statement: SQLiteStatement
    /// The last parameter bound (1-based), 0 before the first.
    fileprivate var index: CInt = 0
    fileprivate var failure: CInt = SQLITE_OK

    mutating func bind(_ text: String?) {
        guard let text else { return bindNull() }
        index += 1
        // Up to the first NUL, as GRDB binds text.
        let code = text.withCString { sqlite3_bind_text(statement, index, $0, -1, SQLITE_TRANSIENT_DESTRUCTOR) }
        note(code)
    }

    mutating func bind(_ value: Int?) {
        guard let value else { return bindNull() }
        index += 1
        note(sqlite3_bind_int64(statement, index, Int64(value)))
    }

    mutating func bind(_ value: Bool) {
        index += 1
        note(sqlite3_bind_int64(statement, index, value ? 1 : 0))
    }

    mutating func bind(_ id: UUID?) {
        guard let id else { return bindNull() }
        index += 1
        let code = withUnsafeBytes(of: id.uuid) { bytes in
            sqlite3_bind_blob(statement, index, bytes.baseAddress, CInt(bytes.count), SQLITE_TRANSIENT_DESTRUCTOR)
        }
        note(code)
    }

    mutating func bindNull() {
        index += 1
        note(sqlite3_bind_null(statement, index))
    }

    private mutating func note(_ code: CInt) {
        if code != SQLITE_OK, failure == SQLITE_OK { failure = code }
    }
}

/// SQLite copies what is bound with it (the values live only as long as the call).
private let SQLITE_TRANSIENT_DESTRUCTOR = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

extension Statement {
    /// Runs this (cached) statement once with the parameters `bind` binds, in order, straight
    /// into SQLite (``BoundParameters``). It runs through GRDB's own execution all the same:
    /// its transaction observers (the store's change stream) see what it writes, and a failed
    /// statement leaves GRDB's cache as any other does. Every parameter must be bound: one
    /// left out or one too many is a programming error, found by the first test that runs it.
    func execute(binding bind: (inout BoundParameters) -> Void) throws {
        try bindAll(bind)
        // The copies SQLite made of the values are let go now, not at the statement's next use.
        defer { sqlite3_clear_bindings(sqliteStatement) }
        try execute()
    }

    /// Runs this (cached, read-only) statement with the parameters `bind` binds and hands its
    /// first row to `read`, or returns `nil` when it has none; the statement is reset after. No
    /// `Row` is made: for the few reads of the scan path, where GRDB's row machinery cost more
    /// than SQLite's own work. Not for statements that write: GRDB's transaction observers (the
    /// store's change stream) learn of writes only through its own execution. GRDB's own
    /// bookkeeping before a statement runs (the region a `ValueObservation` tracks, the check
    /// of an aborted transaction) is skipped too: no observation reads through these.
    func readFirstRow<T>(binding bind: (inout BoundParameters) -> Void, _ read: (SteppedRow) throws -> T) throws -> T? {
        precondition(isReadonly, "readFirstRow is for statements that only read")
        try bindAll(bind)
        return try stepFirstRow(read)
    }

    private func bindAll(_ bind: (inout BoundParameters) -> Void) throws {
        // A statement whose last step failed (one held by a caller, or one stepped by
        // `stepFirstRow`) returns that failure from its next reset, which
        // `setUncheckedArguments` would turn into a crash: reset here first, its code ignored
        // (the statement is reset all the same; the failure was thrown when it happened).
        sqlite3_reset(sqliteStatement)
        // Marks the statement's arguments as bound (to none), so that `execute()` runs it as
        // it stands instead of binding the arguments of an earlier call again, and clears
        // every binding left from one.
        setUncheckedArguments(StatementArguments())
        var parameters = BoundParameters(statement: sqliteStatement)
        bind(&parameters)
        let expected = sqlite3_bind_parameter_count(sqliteStatement)
        precondition(parameters.index == expected, "\(parameters.index) values bound for \(expected) parameters of \(sql)")
        guard parameters.failure == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: parameters.failure), message: "binding a value failed", sql: sql)
        }
    }
}
