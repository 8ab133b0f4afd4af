import Foundation
import GRDB

/// The device's local store: one SQLite file in WAL mode, opened as a GRDB `DatabasePool`.
///
/// Every change is one transaction; a movement is acknowledged only after its commit has
/// returned, and with `synchronous = FULL` a returned commit survives a power cut.
///
/// ## Topics
/// - ``open(at:)``
/// - ``stock``
/// - ``counter(deviceID:options:)``
public struct KioskDatabase: Sendable {
    /// The GRDB pool: one writer connection, several readers.
    public let pool: DatabasePool
    /// Where the file lives.
    public let path: String

    /// How commits reach the disk.
    public enum Durability: Sendable, Hashable {
        /// `synchronous = FULL`: a commit that has returned survives a power cut. Always, in use.
        case powerSafe
        /// GRDB's default `synchronous = NORMAL`: the last commits can be lost on a power cut.
        /// Only for the power-cut rig, to show what FULL prevents.
        case unsafeNormal
    }

    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    public static func open(at path: String, durability: Durability = .powerSafe) throws -> KioskDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        // A CLI `kioskd scan` may write while the daemon runs: wait for the other writer.
        config.busyMode = .timeout(10)
        config.label = "kioskd"
        let pool = try DatabasePool(path: path, configuration: config)
        // GRDB's WAL set-up runs `PRAGMA synchronous = NORMAL` on the writer once the pool is
        // open. In WAL mode NORMAL does not fsync the WAL at each commit, so the last commits
        // can vanish on power loss even though the clerk heard the beep. FULL fsyncs the WAL
        // on every commit: a commit that has returned is on the disk. One fsync per scan is
        // the price (a few hundred µs here, 1–20 ms on an SD card), well below scan speed.
        if durability == .powerSafe {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        let database = KioskDatabase(pool: pool, path: path)
        try Schema.migrator.migrate(pool)
        return database
    }

    /// `PRAGMA quick_check`: `nil` when the file is sound, otherwise what SQLite found.
    public func quickCheckProblem() -> String? {
        do {
            let lines = try pool.read { try String.fetchAll($0, sql: "PRAGMA quick_check") }
            return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
        } catch {
            return "\(error)"
        }
    }

    /// The `synchronous` level in force on the writer connection (2 = FULL).
    public func writerSynchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Stock queries and movements.
    public var stock: StockLedger { StockLedger(database: self) }
}
