import GRDB

extension Database {
    /// Runs `body` in an immediate transaction and commits it, as GRDB's `inTransaction`
    /// does, through cached statements: GRDB compiles `BEGIN IMMEDIATE TRANSACTION` and
    /// `COMMIT TRANSACTION` afresh for every transaction (each compile runs its authorizer and
    /// works out the statement's region): about 4 % of a scan (kioskd-bench, gdb on
    /// `sqlite3_prepare_v3`), a measurable share of a movement's commit too. For the writer,
    /// outside any transaction (`writeWithoutTransaction`): `KioskDatabase.write` runs its work in one.
    ///
    /// An error thrown by `body`, or by the commit, rolls the transaction back (unless SQLite
    /// already has, after disk full or an I/O error) and is rethrown: nothing of it stays.
    /// GRDB's transaction observers (the store's change stream, `afterNextTransaction`) see
    /// the commit or the rollback as they see GRDB's own.
    func inCachedTransaction<T>(_ body: () throws -> T) throws -> T {
        precondition(!isInsideTransaction, "inCachedTransaction opens the transaction itself")
        try cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body()
            try cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            if isInsideTransaction { try? cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
            throw error
        }
    }
}
