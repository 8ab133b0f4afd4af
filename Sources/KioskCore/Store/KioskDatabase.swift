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
    /// The key that seals customers' personal data: the same key seals what this store keeps
    /// elsewhere (the hub's PostgreSQL ledger).
    public let personalData: PersonalDataKey
    /// Every commit, published once it is on the disk (see ``StoreChanges``).
    public let changes: StoreChanges

    /// How commits reach the disk.
    public enum Durability: Sendable, Hashable {
        /// `synchronous = FULL`: a commit that has returned survives a power cut. Always, in use.
        case powerSafe
        /// GRDB's default `synchronous = NORMAL`: the last commits can be lost on a power cut.
        /// Only for the power-cut rig, to show what FULL prevents.
        case unsafeNormal
    }

    /// Where the key that seals customers' personal data comes from.
    public enum KeySource: Sendable {
        /// `personal-data.key` in the store's folder, made on first use.
        case besideStore
        /// A key file kept elsewhere (a systemd credential, another disk), made on first use
        /// when `create` is set.
        case file(String, create: Bool)
        /// A key already in memory (tests, tools that restore into scratch).
        case key(PersonalDataKey)
    }

    /// The default key file of a store.
    public static func defaultKeyPath(forStore path: String) -> String {
        ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("personal-data.key")
    }

    /// Opens (creating if needed) the store at `path` and migrates it to the current schema.
    ///
    /// Customers' phone numbers and VINs are sealed with the key from `key`; a store that
    /// already holds sealed data refuses a missing or different key with ``PersonalDataError``.
    public static func open(at path: String, durability: Durability = .powerSafe, key: KeySource = .besideStore) throws -> KioskDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let storedCheck = try existingKeyCheck(path)
        let personalKey: PersonalDataKey
        let keyPath: String
        switch key {
        case .besideStore:
            keyPath = defaultKeyPath(forStore: path)
            personalKey = try PersonalDataKey.load(from: keyPath, create: storedCheck == nil)
        case let .file(file, create):
            keyPath = file
            personalKey = try PersonalDataKey.load(from: file, create: create && storedCheck == nil)
        case .key(let given):
            keyPath = "(in memory)"
            personalKey = given
        }
        if let storedCheck, storedCheck != personalKey.check { throw PersonalDataError.wrongKey(path: keyPath) }

        var config = Configuration()
        config.prepareDatabase { db in personalKey.install(on: db) }
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
        let changes = StoreChanges()
        pool.add(transactionObserver: StoreChangeObserver(changes: changes), extent: .databaseLifetime)
        let database = KioskDatabase(pool: pool, path: path, personalData: personalKey, changes: changes)
        let sealedNow = try pool.read { try !$0.tableExists("kiosk_meta") }
        try Schema.migrator.migrate(pool)
        try pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO kiosk_meta (name, value) VALUES ('personal_key_check', ?)", arguments: [personalKey.check])
        }
        // An audit log with entries and no anchor (a store from before anchoring) is anchored
        // now, with an entry that says so; IMMEDIATE, so two processes opening at once anchor once.
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try AuditLog.anchorIfMissing(in: db)
                return .commit
            }
        }
        if sealedNow && storedCheck == nil {
            // The migration has just sealed plaintext rows of an older store: rewrite the file
            // and empty the WAL so no page with the old plaintext stays on the disk.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                try db.checkpoint(.truncate)
            }
        }
        return database
    }

    /// The key check an existing store holds, `nil` for a new store or one from before sealing.
    static func existingKeyCheck(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var config = Configuration()
        config.readonly = true
        // A store that cannot be read here fails to open just below, with SQLite's own words.
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return nil }
        defer { try? queue.close() }
        return try? queue.read { db in
            guard try db.tableExists("kiosk_meta") else { return nil }
            return try String.fetchOne(db, sql: "SELECT value FROM kiosk_meta WHERE name = 'personal_key_check'")
        }
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

    /// `PRAGMA data_version` of the writer connection: it moves when another connection (a
    /// `kioskd` command, a restore, another process) has committed, never for this writer's
    /// own commits, which ``StoreChanges`` already has.
    public func othersCommitVersion() async throws -> Int {
        try await pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA data_version") ?? 0 }
    }

    /// Publishes other processes' commits on ``changes`` (every area, since what they wrote is
    /// not known here) until the task is cancelled. The store's folder is watched with
    /// inotify: a write to the store or its WAL by anyone wakes one look at the writer's
    /// `PRAGMA data_version`, and nothing at all happens while nobody writes. Where inotify
    /// cannot watch the folder, it looks every `fallback` instead. `since` is the version
    /// already seen (``othersCommitVersion()``), by default the one at the start.
    public func watchOtherProcesses(fallback: Duration = .seconds(1), since version: Int? = nil) async {
        let (writes, written) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let file = (path as NSString).lastPathComponent
        var last = version
        if last == nil { last = try? await othersCommitVersion() }
        await withDiscardingTaskGroup { group in
            group.addTask {
                await runOnDedicatedThread(name: "store-watch") { flag in
                    // This daemon's own commits wake the watch too, at their first WAL
                    // write: as an idle-class thread it waits for a free core instead of
                    // preempting the writer in the middle of its commit.
                    runAtIdlePriority()
                    Self.watchFolder(directory, for: [file, file + "-wal"], stop: flag, fallback: fallback) { written.yield() }
                }
                written.finish()
            }
            // One look per write; a look that finds nothing new is repeated shortly after, up
            // to three times: the WAL's frames are written (and wake the watch) before the
            // commit is made visible in the shared index, which inotify does not see. Writes
            // coming meanwhile add no looks (the stream keeps one pending wake-up).
            //
            // Except after this daemon's own commits, which wake the watch too (every scan
            // did, and cost four looks on the writer's queue). The look runs on the writer's
            // queue, so a commit of this daemon's that was under way has been published by the
            // time it returns: when one was made since the last wake-up, the write was its own.
            // Another process's commit made at that very moment still wakes the watch when
            // that process writes again or closes the WAL (every `kioskd` command does, as it
            // exits), and that look finds it.
            var ownSeen = changes.ownCommits
            func look() async -> Bool {
                guard let now = try? await othersCommitVersion() else { return false }
                defer { last = now }
                guard let last, now != last else { return false }
                changes.publish(Set(StoreArea.allCases), fromElsewhere: true)
                return true
            }
            for await _ in writes {
                let found = await look()
                let own = changes.ownCommits
                defer { ownSeen = own }
                if found || own != ownSeen { continue }
                for pause in [Duration.milliseconds(20), .milliseconds(250), .seconds(1)] {
                    guard (try? await Task.sleep(for: pause)) != nil else { return }
                    if await look() { break }
                }
            }
        }
    }

    /// Calls `written` after each write to one of `names` in `directory` (inotify), or every
    /// `fallback` where the folder cannot be watched, until `stop` is set.
    private static func watchFolder(_ directory: String, for names: Set<String>, stop: StopFlag, fallback: Duration,
                                    coalescing: Duration = .milliseconds(25), written: () -> Void) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        defer { if fd >= 0 { close(fd) } }
        guard fd >= 0, inotify_add_watch(fd, directory, UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)) >= 0 else {
            while !stop.isStopped {
                stop.sleep(for: fallback)
                written()
            }
            return
        }
        // One look now: a commit made before the watch was in place is not missed.
        written()
        var buffer = [UInt8](repeating: 0, count: 8192)
        while !stop.isStopped {
            guard pollReadable(fd, until: stop, timeout: nil) != 0 else { continue }
            // A commit writes its WAL in several pieces, each an event. Read them a moment
            // after the first: the kernel merges an event into the same one still unread, so
            // a commit wakes this thread once, not once per write (every scan woke it a dozen
            // times, each a switch away from the writer in the middle of its commit).
            stop.sleep(for: coalescing)
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            var offset = 0, seen = false
            buffer.withUnsafeBytes { raw in
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                    if names.contains(String(decoding: nameBytes, as: UTF8.self)) { seen = true }
                    offset += 16 + length
                }
            }
            if seen { written() }
        }
    }

    /// The `synchronous` level in force on the writer connection (2 = FULL).
    public func writerSynchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Stock queries and movements.
    public var stock: StockLedger { StockLedger(database: self) }
}
