import Crypto
import Foundation
import GRDB

/// One backup in a backup folder, as its manifest (`manifest.json`) lists it.
///
/// Each record made by this kioskd is signed: ``mac`` is an HMAC-SHA256 under the backup
/// key, derived from the store's personal-data key (``PersonalDataKey``), over the record's
/// fields and, for an increment, the signature of the record before it. A restore uses only
/// signed records whose signature verifies, so a manifest written by someone without the key
/// (or with a record removed from the middle of a chain) is refused; see ``Backups``.
public struct BackupRecord: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case full, incremental }
    public var kind: Kind
    /// The file in the backup folder: `full-<stamp>.sqlite` or `incr-<stamp>.jsonl`, nothing else.
    public var file: String
    /// When it was taken, to the second.
    public var createdAt: Date
    /// The full backup this one builds on (itself for a full one).
    public var base: String
    /// For each append-only table, the last sequence the chain up to this backup holds.
    public var marks: [String: Int64]
    public var sha256: String
    /// Rows per table of the store at this backup, and a hash of their content.
    public var rowCounts: [String: Int]
    public var contentHash: String
    /// The audit log's head in this backup (``AuditLog/head()``): whoever keeps the manifest
    /// can tell later that the log up to here was not cut short. `nil` for an empty log, and
    /// in older records.
    public var auditHead: AuditHead?
    /// How many schema migrations the store had applied: an increment is only taken over a
    /// backup of the same schema (after an upgrade the next backup is a full one), so that
    /// every chain restores into the tables its full copy has. `nil` in older records.
    public var schemaMigrations: Int?
    /// The key check of the personal-data key that signed this record, so that "made by a
    /// store with another key" is told apart from "altered". `nil` in older records.
    public var keyCheck: String?
    /// The record's signature (hex); `nil` in records made before kioskd signed its backups.
    public var mac: String?

    /// Whether ``file`` is a plain name as kioskd writes it for this kind: no folder, no `..`.
    public var hasPlainFileName: Bool { Self.isPlainFileName(file, kind: kind) }

    static func isPlainFileName(_ name: String, kind: Kind) -> Bool {
        let (prefix, suffix) = kind == .full ? ("full-", ".sqlite") : ("incr-", ".jsonl")
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return false }
        // The stamp: yyyyMMdd-HHmmss-SSS (see Backups.stamp).
        let stamp = Array(name.dropFirst(prefix.count).dropLast(suffix.count).utf8)
        guard stamp.count == 19 else { return false }
        return stamp.enumerated().allSatisfy { index, byte in
            index == 8 || index == 15 ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// The bytes the signature covers: every field but the signature, each length-prefixed
    /// (so no field can run into the next), and for an increment the previous record's
    /// signature. A field added to the record must be added here.
    func signedBytes(after previous: BackupRecord?) -> Data {
        let fields: [String] = [
            "kioskd backup record v1", kind.rawValue, file, String(Int64(createdAt.timeIntervalSince1970.rounded(.down))), base,
            marks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            sha256,
            rowCounts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            contentHash,
            auditHead.map { "\($0.seq) \($0.hash)" } ?? "",
            schemaMigrations.map(String.init) ?? "",
            keyCheck ?? "",
            kind == .incremental ? (previous?.mac ?? "") : "",
        ]
        return Data(fields.map { "\($0.utf8.count):\($0)" }.joined().utf8)
    }
}

/// Whether a manifest record can be trusted (see ``Backups/trust(_:)``).
public enum BackupTrust: Sendable, Hashable {
    /// Signed with this store's key, and the signature verifies.
    case signed
    /// No signature: made before kioskd signed its backups, or the signature was removed.
    case unsigned
    /// Signed by a store with another personal-data key.
    case otherKey
    /// The signature does not verify: the record, or the one before it, was altered.
    case altered
}

/// Why a backup or restore could not be done; each says what to do.
public enum BackupError: Error, Sendable, Hashable, CustomStringConvertible {
    case noFullBackup(String)
    case damaged(String, reason: String)
    case targetExists(String)
    /// `--up-to` names no backup in the manifest.
    case noSuchBackup(String)
    /// The manifest names a file that is not a plain name kioskd writes.
    case unsafeFileName(String)
    /// A record of the chain has no signature.
    case unsigned(String)
    /// A record of the chain was signed by a store with another personal-data key.
    case otherKey(String)
    /// A record's signature does not verify.
    case altered(String)

    public var description: String {
        switch self {
        case .noFullBackup(let dir): "\(dir) 中没有全量备份 / no full backup in \(dir): run `kioskd backup now --full` first"
        case let .damaged(file, reason): "备份 \(file) 已损坏 / backup \(file) is damaged: \(reason)"
        case .targetExists(let path): "\(path) 已存在 / \(path) exists: restore into a new path, then move it into place with the daemon stopped"
        case .noSuchBackup(let file): "清单中没有备份 \(file) / the manifest lists no backup \(file): see `kioskd backup list`"
        case .unsafeFileName(let file):
            "清单中的文件名不安全，未恢复任何内容 / nothing restored: the manifest names the file \"\(file)\", which is not a name kioskd writes (full-<time>.sqlite or incr-<time>.jsonl, in the backup folder itself); the manifest was altered, so restore from another copy of the backups"
        case .unsigned(let file):
            "备份 \(file) 没有签名，未恢复 / backup \(file) is not signed, nothing restored: it was made before kioskd signed its backups, or its signature was removed. Take a new full backup (`kioskd backup now --full`); to restore this one anyway, only if you are sure nobody else has written to the backup folder, add `--trust-unsigned`"
        case .otherKey(let file):
            "备份 \(file) 由另一个个人数据密钥签名，未恢复 / backup \(file) was made by a store with another personal-data key, nothing restored: put back the key file of the store that made it (its customers' data needs that key too), then restore again. On a new board that has started without it: stop kioskd, move its new empty store and new key aside, put the kept key file in their place, then restore"
        case .altered(let file):
            "备份 \(file) 的签名不符，未恢复 / backup \(file) does not match its signature, nothing restored: its manifest record, or the one before it, was altered. Do not trust it: restore up to an earlier backup (`--up-to`) or from another copy"
        }
    }
}

/// What a restore drill found.
public struct DrillReport: Sendable, Hashable {
    public var restoredFrom: [String]
    public var integrity: String
    public var rowCountsMatch: Bool
    public var contentMatches: Bool
    public var backupSeconds: Double
    public var restoreSeconds: Double
    public var isGood: Bool { integrity == "ok" && rowCountsMatch && contentMatches }
}

/// Backups of the store into a folder: full copies through SQLite's online backup, and
/// increments holding the new rows of the append-only logs (movements, scans, yard steps,
/// audit) plus a snapshot of the small tables that change in place. A restore copies the
/// last full backup and applies the increments after it, in order.
///
/// The folder is not trusted. Each manifest record is signed with a key derived from the
/// personal-data key (see ``BackupRecord``), and a restore refuses a chain with a record that
/// is unsigned (unless asked to trust it), signed with another key, or altered; it refuses a
/// file name that is not one kioskd writes, a file whose SHA-256 differs from its record, and
/// an increment line naming a table or column the store does not have. New backups never
/// build on a record that is not signed: after one, the next backup is a full one.
///
/// A store restoring on a new board needs its personal-data key file back first (the sealed
/// customer data needs it anyway); a board that started without it has made a new key, and
/// its restores are refused as ``BackupError/otherKey(_:)``.
public struct Backups: Sendable {
    public let database: KioskDatabase
    public let directory: URL

    public init(database: KioskDatabase, directory: URL) {
        self.database = database
        self.directory = directory
    }

    /// Append-only tables and their sequence column: increments carry only their new rows.
    static let appendOnly: [String: String] = ["stock_movement": "seq", "scan_log": "seq", "vehicle_movement": "seq", "audit_log": "seq"]

    var manifestURL: URL { directory.appendingPathComponent("manifest.json") }

    /// The records of the manifest, oldest first (signed or not: see ``trust(_:)``).
    public func list() throws -> [BackupRecord] {
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode([BackupRecord].self, from: data)
    }

    func save(_ records: [BackupRecord]) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(records).write(to: manifestURL, options: .atomic)
    }

    /// Whether each record can be trusted, in the order given (a manifest's order: an
    /// increment's signature covers the record before it).
    public func trust(_ records: [BackupRecord]) -> [BackupTrust] {
        records.indices.map { index in
            let record = records[index]
            guard let mac = record.mac else { return .unsigned }
            if let keyCheck = record.keyCheck, keyCheck != database.personalData.check { return .otherKey }
            let expected = sign(record, after: index > records.startIndex ? records[index - 1] : nil)
            return expected.constantTimeEquals(mac) ? .signed : .altered
        }
    }

    /// The signature of a record under this store's backup key.
    func sign(_ record: BackupRecord, after previous: BackupRecord?) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: record.signedBytes(after: previous), using: database.personalData.backupKey)).hex
    }

    /// A new record, signed (after `previous` for an increment), stamped to the second.
    func signedRecord(kind: BackupRecord.Kind, file: String, at time: Date, base: String, marks: [String: Int64], sha256: String,
                      rowCounts: [String: Int], contentHash: String, auditHead: AuditHead?, schemaMigrations: Int,
                      after previous: BackupRecord?) -> BackupRecord {
        var record = BackupRecord(kind: kind, file: file, createdAt: Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down)),
                                  base: base, marks: marks, sha256: sha256, rowCounts: rowCounts, contentHash: contentHash,
                                  auditHead: auditHead, schemaMigrations: schemaMigrations, keyCheck: database.personalData.check, mac: nil)
        record.mac = sign(record, after: previous)
        return record
    }

    static func stamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss-SSS"
        return f.string(from: date)
    }

    /// Takes a full backup (SQLite online backup: the daemon keeps running).
    @discardableResult
    public func full(at time: Date = Date(), progress: ProgressHandler? = nil) throws -> BackupRecord {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = "full-\(Self.stamp(time)).sqlite"
        let url = directory.appendingPathComponent(name)
        let partial = url.appendingPathExtension("partial")
        try? FileManager.default.removeItem(at: partial)
        let copy = try DatabaseQueue(path: partial.path)
        try database.pool.backup(to: copy, pagesPerStep: 1024) { step in
            progress?(WorkProgress(phase: "全量备份 full backup", done: step.completedPageCount, total: step.totalPageCount, unit: "pages"))
        }
        // One self-contained file: no -wal or -shm next to it when it is read later.
        try copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
        let (marks, counts, hash, head, migrations) = try copy.read { db in
            (try Self.marks(db), try Self.rowCounts(db), try Self.contentHash(db), try AuditLog.head(in: db), try Self.schemaMigrations(db))
        }
        try copy.close()
        try FileManager.default.moveItem(at: partial, to: url)
        let record = signedRecord(kind: .full, file: name, at: time, base: name, marks: marks, sha256: try Self.sha256(of: url),
                                  rowCounts: counts, contentHash: hash, auditHead: head, schemaMigrations: migrations, after: nil)
        try save(try list() + [record])
        return record
    }

    /// Takes an increment over the last backup. A full one is taken instead when there is
    /// none, when the last is not signed by this store (see ``trust(_:)``: an increment never
    /// builds on a record it cannot trust), or when the store's schema has changed since.
    @discardableResult
    public func incremental(at time: Date = Date(), progress: ProgressHandler? = nil) throws -> BackupRecord {
        let records = try list()
        let migrations = try database.pool.read { try Self.schemaMigrations($0) }
        guard let last = records.last, trust(records).last == .signed, last.schemaMigrations == migrations else { return try full(at: time, progress: progress) }
        let name = "incr-\(Self.stamp(time)).jsonl"
        let url = directory.appendingPathComponent(name)
        var lines: [String] = []
        let (marks, counts, hash, head, nowMigrations) = try database.pool.read { db -> ([String: Int64], [String: Int], String, AuditHead?, Int) in
            let tables = try Self.tables(db)
            for (index, table) in tables.enumerated() {
                progress?(WorkProgress(phase: "增量备份 incremental backup", done: index, total: tables.count, unit: "tables"))
                if let column = Self.appendOnly[table] {
                    let from = last.marks[table] ?? 0
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) WHERE \(column) > ? ORDER BY \(column)", arguments: [from]) {
                        lines.append(try Self.line(table: table, mode: "append", row: row))
                    }
                } else {
                    lines.append(try Self.line(table: table, mode: "reset", row: nil))
                    for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table)") {
                        lines.append(try Self.line(table: table, mode: "row", row: row))
                    }
                }
            }
            return (try Self.marks(db), try Self.rowCounts(db), try Self.contentHash(db), try AuditLog.head(in: db), try Self.schemaMigrations(db))
        }
        // A migration run by another process between the two reads: the increment may hold
        // what the last backup's schema lacks, so take a full copy instead.
        guard nowMigrations == migrations else { return try full(at: time, progress: progress) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
        let record = signedRecord(kind: .incremental, file: name, at: time, base: last.base, marks: marks, sha256: try Self.sha256(of: url),
                                  rowCounts: counts, contentHash: hash, auditHead: head, schemaMigrations: nowMigrations, after: last)
        try save(records + [record])
        progress?(WorkProgress(phase: "增量备份 incremental backup", done: 1, total: 1, unit: "files"))
        return record
    }

    /// Checks every record's signature and file name, every file against its recorded hash,
    /// and each full backup with `integrity_check`.
    public func verify(progress: ProgressHandler? = nil) throws -> [(BackupRecord, String?)] {
        let records = try list()
        let results = try zip(records.indices, zip(records, trust(records))).map { index, pair -> (BackupRecord, String?) in
            let (record, trust) = pair
            progress?(WorkProgress(phase: "校验 verifying", done: index, total: records.count, unit: "files"))
            guard record.hasPlainFileName else { return (record, "not a file name kioskd writes: the manifest was altered") }
            switch trust {
            case .signed: break
            case .unsigned: return (record, "not signed: made before kioskd signed its backups, or the signature was removed (restore needs --trust-unsigned)")
            case .otherKey: return (record, "signed by a store with another personal-data key")
            case .altered: return (record, "does not match its signature: the record, or the one before it, was altered")
            }
            let url = directory.appendingPathComponent(record.file)
            guard FileManager.default.fileExists(atPath: url.path) else { return (record, "file missing") }
            guard try Self.sha256(of: url) == record.sha256 else { return (record, "content does not match its recorded SHA-256") }
            if record.kind == .full {
                var config = Configuration()
                config.readonly = true
                let queue = try DatabaseQueue(path: url.path, configuration: config)
                let result = try queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check").joined(separator: "; ") }
                try queue.close()
                if result != "ok" { return (record, "integrity_check: \(result)") }
            }
            return (record, nil)
        }
        progress?(WorkProgress(phase: "校验 verifying", done: records.count, total: records.count, unit: "files"))
        return results
    }

    /// Restores the newest backup chain (its full backup and the increments after it) into
    /// a new file at `path`, or the chain up to the backup `chosen`. Returns the files used.
    ///
    /// Every record of the chain must be signed by this store (``trust(_:)``; with
    /// `trustUnsigned`, records without a signature are taken as they are, never ones whose
    /// signature is wrong or another store's), name a plain file (``BackupRecord/hasPlainFileName``)
    /// whose SHA-256 matches, and every increment line must name a table and columns of the
    /// store. Nothing is left at `path` when the restore is refused.
    @discardableResult
    public func restore(to path: String, upTo chosen: String? = nil, trustUnsigned: Bool = false, progress: ProgressHandler? = nil) throws -> [String] {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.targetExists(path) }
        var records = try list()
        if let chosen {
            guard let index = records.firstIndex(where: { $0.file == chosen }) else { throw BackupError.noSuchBackup(chosen) }
            records = Array(records[...index])
        }
        let trusts = trust(records)
        guard let fullIndex = records.lastIndex(where: { $0.kind == .full }) else { throw BackupError.noFullBackup(directory.path) }
        let chain = Array(records[fullIndex...])
        for (record, trust) in zip(chain, trusts[fullIndex...]) {
            guard record.hasPlainFileName else { throw BackupError.unsafeFileName(record.file) }
            switch trust {
            case .signed: break
            case .unsigned: guard trustUnsigned else { throw BackupError.unsigned(record.file) }
            case .otherKey: throw BackupError.otherKey(record.file)
            case .altered: throw BackupError.altered(record.file)
            }
            guard record.base == chain[0].file else {
                throw BackupError.damaged(record.file, reason: "it builds on \(record.base), not on the full backup \(chain[0].file) before it")
            }
            let url = directory.appendingPathComponent(record.file)
            guard FileManager.default.fileExists(atPath: url.path), try Self.sha256(of: url) == record.sha256 else {
                throw BackupError.damaged(record.file, reason: "missing, or its SHA-256 does not match the manifest")
            }
        }
        try FileManager.default.copyItem(at: directory.appendingPathComponent(chain[0].file), to: URL(fileURLWithPath: path))
        do {
            try apply(chain, to: path, progress: progress)
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
        return chain.map(\.file)
    }

    /// Applies a chain's increments to the copy of its full backup at `path`.
    private func apply(_ chain: [BackupRecord], to path: String, progress: ProgressHandler?) throws {
        // Foreign keys off while tables are replaced: no cascade may touch rows restored earlier.
        var config = Configuration()
        config.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        // Rows are put back as they were, with the triggers' own rows (outbox, change log,
        // print queue) among them: the triggers must not fire again while that happens.
        let (triggers, schema) = try queue.write { db -> ([(String, String)], [String: Set<String>]) in
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").map { ($0["name"] as String, $0["sql"] as String) }
            for (name, _) in triggers { try db.execute(sql: "DROP TRIGGER \(name.quotedDatabaseIdentifier)") }
            // The tables and columns an increment may name: the store's own, nothing else.
            var schema: [String: Set<String>] = [:]
            for table in try Self.tables(db) { schema[table] = Set(try db.columns(in: table).map(\.name)) }
            return (triggers, schema)
        }
        let phase = "恢复 restoring"
        for (index, record) in chain.enumerated() {
            progress?(WorkProgress(phase: phase, done: index, total: chain.count, unit: "files"))
            guard index > 0 else { continue }
            let text = try String(contentsOf: directory.appendingPathComponent(record.file), encoding: .utf8)
            try queue.write { db in
                for line in text.split(separator: "\n") { try Self.apply(line, from: record.file, schema: schema, in: db) }
            }
        }
        progress?(WorkProgress(phase: phase, done: chain.count, total: chain.count, unit: "files"))
        try queue.write { db in for (_, sql) in triggers { try db.execute(sql: sql) } }
        let problems = try queue.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }
        guard problems.isEmpty else {
            throw BackupError.damaged(chain.last?.file ?? "", reason: "\(problems.count) rows point at missing rows after the restore")
        }
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
    }

    /// Keeps the newest `keepFull` signed full backups and everything after the oldest of them;
    /// deletes the records before it and their files. Records that are not signed do not count
    /// as full backups here (so that a manifest padded with them cannot push the real ones
    /// out); a file named by a record that is kept, or whose name is not plain, is never deleted.
    @discardableResult
    public func prune(keepFull: Int) throws -> [String] {
        let records = try list()
        let trusts = trust(records)
        let signedFulls = records.indices.filter { records[$0].kind == .full && trusts[$0] == .signed }
        guard signedFulls.count > max(keepFull, 1) else { return [] }
        let cut = signedFulls[signedFulls.count - max(keepFull, 1)]
        let removed = records[..<cut], kept = records[cut...]
        let keptFiles = Set(kept.map(\.file))
        for record in removed where record.hasPlainFileName && !keptFiles.contains(record.file) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(record.file))
        }
        try save(Array(kept))
        return removed.map(\.file)
    }

    /// A restore drill: takes an increment, restores the whole chain into a scratch folder,
    /// runs `integrity_check`, and compares row counts and a content hash with the store at
    /// the moment of the increment.
    public func drill(scratch: URL, progress: ProgressHandler? = nil) throws -> DrillReport {
        let started = Date()
        let record = try incremental(progress: progress)
        let backupSeconds = Date().timeIntervalSince(started)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let path = scratch.appendingPathComponent("restored-\(UUID().uuidString).sqlite").path
        let restoreStarted = Date()
        let files = try restore(to: path, progress: progress)
        let restoreSeconds = Date().timeIntervalSince(restoreStarted)
        let queue = try DatabaseQueue(path: path)
        progress?(WorkProgress(phase: "检查恢复的库 checking the restored store", done: 0, total: nil, unit: "files"))
        let (integrity, counts, hash) = try queue.read { db in
            (try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; "), try Self.rowCounts(db), try Self.contentHash(db))
        }
        try queue.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return DrillReport(restoredFrom: files, integrity: integrity, rowCountsMatch: counts == record.rowCounts,
                           contentMatches: hash == record.contentHash, backupSeconds: backupSeconds, restoreSeconds: restoreSeconds)
    }

    // MARK: Encoding

    static func tables(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
            """)
    }

    /// How many schema migrations the store has applied (GRDB's `grdb_migrations`).
    static func schemaMigrations(_ db: Database) throws -> Int {
        guard try db.tableExists("grdb_migrations") else { return 0 }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") ?? 0
    }

    static func marks(_ db: Database) throws -> [String: Int64] {
        var marks: [String: Int64] = [:]
        for (table, column) in appendOnly { marks[table] = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(\(column)), 0) FROM \(table)") ?? 0 }
        return marks
    }

    static func rowCounts(_ db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in try tables(db) { counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        return counts
    }

    /// SHA-256 over every row of every table, in a fixed order (by all columns).
    static func contentHash(_ db: Database) throws -> String {
        var hasher = SHA256()
        for table in try tables(db) {
            let columns = try db.columns(in: table).map(\.name)
            hasher.update(data: Data("\u{1E}\(table)".utf8))
            let order = (1...max(columns.count, 1)).map(String.init).joined(separator: ", ")
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \(table) ORDER BY \(order)")
            var chunk = ""
            while let row = try rows.next() {
                for value in row.databaseValues {
                    chunk += "\u{1F}"
                    chunk += describe(value)
                }
                chunk += "\u{1D}"
                if chunk.utf8.count > 1 << 16 {
                    hasher.update(data: Data(chunk.utf8))
                    chunk = ""
                }
            }
            hasher.update(data: Data(chunk.utf8))
        }
        return hasher.finalize().hex
    }

    static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "n"
        case .int64(let i): "i\(i)"
        case .double(let d): "d\(d)"
        case .string(let s): "s\(s)"
        case .blob(let b): "b\(b.base64EncodedString())"
        }
    }

    static func line(table: String, mode: String, row: Row?) throws -> String {
        var object: [String: Any] = ["t": table, "m": mode]
        if let row {
            var values: [String: Any] = [:]
            for (column, value) in row {
                values[column] = switch value.storage {
                case .null: NSNull()
                case .int64(let i): ["i": String(i)]
                case .double(let d): ["d": d]
                case .string(let s): ["s": s]
                case .blob(let b): ["b": b.base64EncodedString()]
                }
            }
            object["r"] = values
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Applies one increment line. Its table must be one of the store's (`schema`), its mode
    /// must fit the table (`append` for the append-only logs, `reset` and `row` for the rest),
    /// and its columns must be the table's: nothing from the file reaches SQL otherwise, and
    /// names are quoted as identifiers even then.
    static func apply(_ line: Substring, from file: String, schema: [String: Set<String>], in db: Database) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let table = object["t"] as? String, let mode = object["m"] as? String else {
            throw BackupError.damaged(file, reason: "unreadable line")
        }
        guard let columnsOfTable = schema[table] else {
            throw BackupError.damaged(file, reason: "it names the table \"\(table.prefix(80))\", which the store does not have")
        }
        let appendOnly = Self.appendOnly[table] != nil
        guard appendOnly ? mode == "append" : mode == "reset" || mode == "row" else {
            throw BackupError.damaged(file, reason: "the mode \"\(mode.prefix(20))\" does not fit the table \(table)")
        }
        if mode == "reset" {
            try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)")
            return
        }
        guard let values = object["r"] as? [String: Any] else { throw BackupError.damaged(file, reason: "row without values") }
        let columns = values.keys.sorted()
        if let unknown = columns.first(where: { !columnsOfTable.contains($0) }) {
            throw BackupError.damaged(file, reason: "it names the column \"\(unknown.prefix(80))\", which the table \(table) does not have")
        }
        let arguments: [DatabaseValue] = columns.map { column in
            guard let value = values[column] as? [String: Any] else { return .null }
            if let i = value["i"] as? String, let n = Int64(i) { return n.databaseValue }
            if let d = value["d"] as? Double { return d.databaseValue }
            if let s = value["s"] as? String { return s.databaseValue }
            if let b = value["b"] as? String, let data = Data(base64Encoded: b) { return data.databaseValue }
            return .null
        }
        let verb = mode == "append" ? "INSERT OR IGNORE" : "INSERT"
        try db.execute(sql: "\(verb) INTO \(table.quotedDatabaseIdentifier) (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                       arguments: StatementArguments(arguments))
    }

    static func sha256(of url: URL) throws -> String {
        var hasher = SHA256()
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hex
    }
}
