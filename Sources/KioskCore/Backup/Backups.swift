import Crypto
import Foundation
import GRDB

/// One backup in a backup folder.
public struct BackupRecord: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case full, incremental }
    public var kind: Kind
    public var file: String
    public var createdAt: Date
    /// The full backup this one builds on (itself for a full one).
    public var base: String
    /// For each append-only table, the last sequence the chain up to this backup holds.
    public var marks: [String: Int64]
    public var sha256: String
    /// Rows per table of the store at this backup, and a hash of their content.
    public var rowCounts: [String: Int]
    public var contentHash: String
}

/// Why a backup or restore could not be done.
public enum BackupError: Error, Sendable, Hashable, CustomStringConvertible {
    case noFullBackup(String)
    case damaged(String, reason: String)
    case targetExists(String)

    public var description: String {
        switch self {
        case .noFullBackup(let dir): "\(dir) 中没有全量备份 / no full backup in \(dir): run `kioskd backup now --full` first"
        case let .damaged(file, reason): "备份 \(file) 已损坏 / backup \(file) is damaged: \(reason)"
        case .targetExists(let path): "\(path) 已存在 / \(path) exists: restore into a new path, then move it into place with the daemon stopped"
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

    public func list() throws -> [BackupRecord] {
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode([BackupRecord].self, from: data)
    }

    private func save(_ records: [BackupRecord]) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(records).write(to: manifestURL, options: .atomic)
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
    public func full(at time: Date = Date()) throws -> BackupRecord {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = "full-\(Self.stamp(time)).sqlite"
        let url = directory.appendingPathComponent(name)
        let partial = url.appendingPathExtension("partial")
        try? FileManager.default.removeItem(at: partial)
        let copy = try DatabaseQueue(path: partial.path)
        try database.pool.backup(to: copy)
        // One self-contained file: no -wal or -shm next to it when it is read later.
        try copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
        let (marks, counts, hash) = try copy.read { db in (try Self.marks(db), try Self.rowCounts(db), try Self.contentHash(db)) }
        try copy.close()
        try FileManager.default.moveItem(at: partial, to: url)
        let record = BackupRecord(kind: .full, file: name, createdAt: time, base: name, marks: marks,
                                  sha256: try Self.sha256(of: url), rowCounts: counts, contentHash: hash)
        try save(try list() + [record])
        return record
    }

    /// Takes an increment over the last backup (a full one is taken if there is none).
    @discardableResult
    public func incremental(at time: Date = Date()) throws -> BackupRecord {
        guard let last = try list().last else { return try full(at: time) }
        let name = "incr-\(Self.stamp(time)).jsonl"
        let url = directory.appendingPathComponent(name)
        var lines: [String] = []
        let (marks, counts, hash) = try database.pool.read { db -> ([String: Int64], [String: Int], String) in
            for table in try Self.tables(db) {
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
            return (try Self.marks(db), try Self.rowCounts(db), try Self.contentHash(db))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
        let record = BackupRecord(kind: .incremental, file: name, createdAt: time, base: last.base, marks: marks,
                                  sha256: try Self.sha256(of: url), rowCounts: counts, contentHash: hash)
        try save(try list() + [record])
        return record
    }

    /// Checks every file against its recorded hash, and each full backup with `integrity_check`.
    public func verify() throws -> [(BackupRecord, String?)] {
        try list().map { record in
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
    }

    /// Restores the newest backup chain (its full backup and the increments after it) into
    /// a new file at `path`. Returns the files used.
    @discardableResult
    public func restore(to path: String, upTo chosen: String? = nil) throws -> [String] {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.targetExists(path) }
        var records = try list()
        if let chosen, let index = records.firstIndex(where: { $0.file == chosen }) { records = Array(records[...index]) }
        guard let fullIndex = records.lastIndex(where: { $0.kind == .full }) else { throw BackupError.noFullBackup(directory.path) }
        let chain = Array(records[fullIndex...])
        for record in chain {
            let url = directory.appendingPathComponent(record.file)
            guard FileManager.default.fileExists(atPath: url.path), try Self.sha256(of: url) == record.sha256 else {
                throw BackupError.damaged(record.file, reason: "missing, or its SHA-256 does not match the manifest")
            }
        }
        try FileManager.default.copyItem(at: directory.appendingPathComponent(chain[0].file), to: URL(fileURLWithPath: path))
        // Foreign keys off while tables are replaced: no cascade may touch rows restored earlier.
        var config = Configuration()
        config.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: config)
        // Rows are put back as they were, with the triggers' own rows (outbox, change log,
        // print queue) among them: the triggers must not fire again while that happens.
        let triggers = try queue.write { db -> [(String, String)] in
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").map { ($0["name"] as String, $0["sql"] as String) }
            for (name, _) in triggers { try db.execute(sql: "DROP TRIGGER \"\(name)\"") }
            return triggers
        }
        for record in chain.dropFirst() {
            let text = try String(contentsOf: directory.appendingPathComponent(record.file), encoding: .utf8)
            try queue.write { db in
                for line in text.split(separator: "\n") { try Self.apply(line, in: db) }
            }
        }
        try queue.write { db in for (_, sql) in triggers { try db.execute(sql: sql) } }
        let problems = try queue.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }
        guard problems.isEmpty else { throw BackupError.damaged(chain.last!.file, reason: "\(problems.count) rows point at missing rows after the restore") }
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
        try queue.close()
        return chain.map(\.file)
    }

    /// Keeps the newest `keepFull` full backups and the increments built on them; deletes the rest.
    @discardableResult
    public func prune(keepFull: Int) throws -> [String] {
        let records = try list()
        let fulls = records.filter { $0.kind == .full }.map(\.file)
        let kept = Set(fulls.suffix(max(keepFull, 1)))
        let removed = records.filter { !kept.contains($0.base) }
        for record in removed { try? FileManager.default.removeItem(at: directory.appendingPathComponent(record.file)) }
        try save(records.filter { kept.contains($0.base) })
        return removed.map(\.file)
    }

    /// A restore drill: takes an increment, restores the whole chain into a scratch folder,
    /// runs `integrity_check`, and compares row counts and a content hash with the store at
    /// the moment of the increment.
    public func drill(scratch: URL) throws -> DrillReport {
        let started = Date()
        let record = try incremental()
        let backupSeconds = Date().timeIntervalSince(started)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let path = scratch.appendingPathComponent("restored-\(UUID().uuidString).sqlite").path
        let restoreStarted = Date()
        let files = try restore(to: path)
        let restoreSeconds = Date().timeIntervalSince(restoreStarted)
        let queue = try DatabaseQueue(path: path)
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

    static func apply(_ line: Substring, in db: Database) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let table = object["t"] as? String, let mode = object["m"] as? String else {
            throw BackupError.damaged("increment", reason: "unreadable line")
        }
        if mode == "reset" {
            try db.execute(sql: "DELETE FROM \(table)")
            return
        }
        guard let values = object["r"] as? [String: Any] else { throw BackupError.damaged("increment", reason: "row without values") }
        let columns = values.keys.sorted()
        let arguments: [DatabaseValue] = columns.map { column in
            guard let value = values[column] as? [String: Any] else { return .null }
            if let i = value["i"] as? String, let n = Int64(i) { return n.databaseValue }
            if let d = value["d"] as? Double { return d.databaseValue }
            if let s = value["s"] as? String { return s.databaseValue }
            if let b = value["b"] as? String, let data = Data(base64Encoded: b) { return data.databaseValue }
            return .null
        }
        let verb = mode == "append" ? "INSERT OR IGNORE" : "INSERT"
        try db.execute(sql: "\(verb) INTO \(table) (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
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
