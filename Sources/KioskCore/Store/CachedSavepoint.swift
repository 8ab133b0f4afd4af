import GRDB

extension Database {
    /// Runs `body` in a savepoint of the current transaction, as GRDB's `inSavepoint` does,
    /// through cached statements: `inSavepoint` compiles `SAVEPOINT` and `RELEASE` afresh on
    /// every call, which the counter's scan path, one savepoint per scan, paid on every scan.
    ///
    /// Must be called inside a transaction. An error thrown by `body` rolls the savepoint
    /// back and is rethrown. Should the rollback itself fail, its error is thrown instead:
    /// a caller that goes on after a refusal (the scan log records it) must never commit
    /// the partial change a failed rollback would leave behind. An error after which SQLite
    /// has already rolled back the whole transaction (disk full, an I/O error) is rethrown as
    /// it is: there is no savepoint left to roll back, and the clerk must read the real cause.
    func inCachedSavepoint<T>(_ body: () throws -> T) throws -> T {
        precondition(isInsideTransaction, "inCachedSavepoint runs inside a transaction")
        try cachedStatement(sql: "SAVEPOINT kioskd").execute()
        let result: T
        do {
            result = try body()
        } catch {
            guard isInsideTransaction else { throw error }
            try cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT kioskd").execute()
            try cachedStatement(sql: "RELEASE SAVEPOINT kioskd").execute()
            throw error
        }
        try cachedStatement(sql: "RELEASE SAVEPOINT kioskd").execute()
        return result
    }
}
