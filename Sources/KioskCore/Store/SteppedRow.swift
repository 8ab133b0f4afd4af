import GRDB
import GRDBSQLite

/// The current row of a statement stepped by ``GRDB/Statement/readFirstRow(binding:_:)``,
/// read by position straight from SQLite.
///
/// GRDB's `Row` builds a dictionary of the statement's lowercased column names for every
/// row it makes (to find columns by name): on the scan path, whose one read has fourteen
/// columns, that and the row's cursor were a seventh of a scan's CPU (kioskd-bench, perf).
struct SteppedRow {
    let statement: SQLiteStatement

    /// The value at `index`; a NULL there is a programming error (a NOT NULL column), as it is
    /// for `Row`.
    subscript<Value: StatementColumnConvertible>(_ index: Int) -> Value {
        guard let value = Value.fromStatement(statement, atUncheckedIndex: CInt(index)) else {
            preconditionFailure("column \(index) of \(String(cString: sqlite3_sql(statement))) is NULL or not a \(Value.self)")
        }
        return value
    }

    /// The value at `index`, `nil` for NULL.
    subscript<Value: StatementColumnConvertible>(orNull index: Int) -> Value? {
        Value.fromStatement(statement, atUncheckedIndex: CInt(index))
    }
}

extension Statement {
    /// Steps this statement, its arguments bound, once: its first row to `read`, or `nil`.
    func stepFirstRow<T>(_ read: (SteppedRow) throws -> T) throws -> T? {
        defer { sqlite3_reset(sqliteStatement) }
        let code = sqlite3_step(sqliteStatement)
        switch code {
        case SQLITE_ROW: return try read(SteppedRow(statement: sqliteStatement))
        case SQLITE_DONE: return nil
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))),
                                sql: sql, arguments: arguments)
        }
    }
}
