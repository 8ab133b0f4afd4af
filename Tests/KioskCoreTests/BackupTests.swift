import Foundation
import GRDB
import Testing
@testable import KioskCore

@Suite("Backups: full, increments, restore, drill")
struct BackupTests {
    func folder(_ store: TemporaryStore) -> Backups {
        Backups(database: store.database, directory: store.directory.appendingPathComponent("backups"))
    }

    @Test("a full backup and two increments restore to exactly the store: rows, balances, changed rows, audit")
    func chain() throws {
        let store = try TemporaryStore()
        let backups = folder(store)
        let counter = Counter(database: store.database, deviceID: "c1")
        try store.openWorkOrders("WO-1")
        for text in ["KD:CMD:RECEIVE", "KD:BIN:A-01", "KD:CMD:QTY:10", "6901234567892"] { _ = try counter.handle(ScanEvent(source: "t", text: text)) }
        try backups.full()
        for text in ["KD:CMD:ISSUE", "KD:WO:WO-1", "6901234567892", "NOT-A-PART"] { _ = try counter.handle(ScanEvent(source: "t", text: text)) }
        try store.database.catalog.save(Bin(code: "B-09", label: "新货架"))                 // a changed small table
        try backups.incremental()
        _ = try store.database.stock.record(store.draft(.adjust, 1, from: "A-01", reason: "破损"))   // an audited adjustment
        let last = try backups.incremental()
        #expect(try backups.list().map(\.kind) == [.full, .incremental, .incremental])
        #expect(try backups.verify().allSatisfy { $0.1 == nil })

        let target = store.directory.appendingPathComponent("restored.sqlite").path
        #expect(try backups.restore(to: target).count == 3)
        let restored = try DatabaseQueue(path: target)
        let (counts, hash) = try restored.read { (try Backups.rowCounts($0), try Backups.contentHash($0)) }
        #expect(counts == last.rowCounts && hash == last.contentHash)
        try restored.close()
        let reopened = try KioskDatabase.open(at: target)
        #expect(try reopened.stock.balances().map(\.quantity) == [8])
        #expect(try reopened.stock.checkBalances().isEmpty)
        #expect(try reopened.audit.verify().isIntact && reopened.audit.verify().entries == 1)
        #expect(try reopened.catalog.bins().map(\.code).contains("B-09"))
        #expect(throws: BackupError.targetExists(target)) { try backups.restore(to: target) }
    }

    @Test("a damaged backup file is found by verify and refused by restore")
    func damaged() throws {
        let store = try TemporaryStore()
        let backups = folder(store)
        let full = try backups.full()
        try backups.incremental()
        let increment = try backups.list()[1]
        let url = backups.directory.appendingPathComponent(increment.file)
        try Data("{\"t\":\"bin\",\"m\":\"reset\"}\n".utf8).write(to: url)
        let problems = try backups.verify().filter { $0.1 != nil }.map(\.0.file)
        #expect(problems == [increment.file])
        #expect(throws: BackupError.damaged(increment.file, reason: "missing, or its SHA-256 does not match the manifest")) {
            try backups.restore(to: store.directory.appendingPathComponent("r.sqlite").path)
        }
        _ = full
    }

    @Test("the restore drill restores into scratch and matches the store; prune keeps the newest fulls and their increments")
    func drillAndPrune() throws {
        let store = try TemporaryStore()
        let backups = folder(store)
        for i in 0..<3 {
            _ = try store.database.stock.record(store.draft(.receive, i + 1, to: "A-01"))
            try backups.full(at: Date(timeIntervalSinceNow: Double(i)))
            try backups.incremental(at: Date(timeIntervalSinceNow: Double(i) + 0.5))
        }
        let report = try backups.drill(scratch: store.directory.appendingPathComponent("scratch"))
        #expect(report.isGood, "\(report)")
        #expect(report.restoredFrom.count == 3, "the newest full, its increment, and the drill's own increment")
        let removed = try backups.prune(keepFull: 2)
        #expect(removed.count == 2)
        #expect(try backups.list().filter { $0.kind == .full }.count == 2)
    }
}

@Suite("Restore does not trust the backup folder (issue 20)")
struct BackupTrustTests {
    /// A store with a full backup and an increment holding a stock movement and a new bin.
    func chain() throws -> (TemporaryStore, Backups) {
        let store = try TemporaryStore()
        let backups = Backups(database: store.database, directory: store.directory.appendingPathComponent("backups"))
        _ = try store.database.stock.record(store.draft(.receive, 10, to: "A-01"))
        try backups.full()
        try store.database.catalog.save(Bin(code: "B-09", label: "新货架"))
        _ = try store.database.stock.record(store.draft(.adjust, 1, from: "A-01", reason: "破损"))
        try backups.incremental()
        return (store, backups)
    }

    func target(_ store: TemporaryStore) -> String { store.directory.appendingPathComponent("restored-\(UUID().uuidString).sqlite").path }

    /// Rewrites an increment's file and fixes its record up to match: a new SHA-256, and
    /// (`resign`) a new signature made with the store's own key, as only someone holding the
    /// key could.
    func rewriteIncrement(_ backups: Backups, resign: Bool, _ edit: (String) -> String) throws -> String {
        var records = try backups.list()
        let index = try #require(records.lastIndex { $0.kind == .incremental })
        let url = backups.directory.appendingPathComponent(records[index].file)
        try Data(edit(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
        records[index].sha256 = try Backups.sha256(of: url)
        if resign { records[index].mac = backups.sign(records[index], after: records[index - 1]) }
        try backups.save(records)
        return records[index].file
    }

    @Test("every record is signed and carries the audit head; the chain restores; the restored log verifies up to that head")
    func happyPath() throws {
        let (store, backups) = try chain()
        let records = try backups.list()
        #expect(backups.trust(records) == [.signed, .signed])
        #expect(records.allSatisfy { $0.mac != nil && $0.keyCheck == store.database.personalData.check && $0.hasPlainFileName })
        #expect(records.last?.auditHead == (try store.database.audit.head()))
        #expect(try backups.verify().allSatisfy { $0.1 == nil })
        let path = target(store)
        #expect(try backups.restore(to: path) == records.map(\.file))
        let restored = try KioskDatabase.open(at: path)
        #expect(try restored.catalog.bins().map(\.code).contains("B-09"))
        let verdict = try restored.audit.verify()
        #expect(verdict.isIntact && verdict.anchoredHead == records.last?.auditHead, "\(verdict)")
    }

    @Test("an increment altered, with its SHA-256 fixed up in the manifest, is refused: the signature covers the hash")
    func alteredFileWithFixedHash() throws {
        let (store, backups) = try chain()
        let file = try rewriteIncrement(backups, resign: false) { $0.replacingOccurrences(of: "新货架", with: "被改动") }
        let path = target(store)
        #expect(throws: BackupError.altered(file)) { try backups.restore(to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try backups.verify().contains { $0.0.file == file && $0.1?.contains("does not match its signature") == true })
        #expect(BackupError.altered(file).description.contains("--up-to"))
    }

    @Test("a record whose file is \"../evil\" is refused, even signed with the store's key, and prune deletes nothing outside the folder")
    func pathInFileName() throws {
        let (store, backups) = try chain()
        let evil = store.directory.appendingPathComponent("evil.sqlite")
        try FileManager.default.copyItem(at: backups.directory.appendingPathComponent(try backups.list()[0].file), to: evil)
        for name in ["../evil.sqlite", "/tmp/full-20261201-000000-000.sqlite", "full-20261201-000000-000.sqlite/../../evil.sqlite", "full-2026.sqlite"] {
            var records = try backups.list()
            records[0].file = name
            records[0].base = name
            records[1].base = name
            records[0].mac = backups.sign(records[0], after: nil)
            records[1].mac = backups.sign(records[1], after: records[0])
            try backups.save(records)
            #expect(throws: BackupError.unsafeFileName(name)) { try backups.restore(to: target(store)) }
        }
        #expect(BackupError.unsafeFileName("../evil.sqlite").description.contains("not a name kioskd writes"))
        var records = try backups.list()
        records[0].file = "../evil.sqlite"
        let newer = [try backups.full(at: Date(timeIntervalSinceNow: 1)), try backups.full(at: Date(timeIntervalSinceNow: 2))]
        try backups.save(records + newer)
        _ = try backups.prune(keepFull: 1)
        #expect(FileManager.default.fileExists(atPath: evil.path), "prune never deletes a file outside the backup folder")
    }

    @Test("an increment naming a table or column with a quote and a semicolon is refused before it reaches SQL, even when signed; nothing is left at the target")
    func injectedNames() throws {
        for injected in [#"{"m":"reset","t":"bin; DROP TABLE part; --"}"#,
                         #"{"m":"reset","t":"bin\"; --"}"#,
                         #"{"m":"row","r":{"code\") VALUES ('x'); DROP TABLE part; --":{"s":"x"}},"t":"bin"}"#,
                         #"{"m":"reset","t":"stock_movement"}"#] {
            let (store, backups) = try chain()
            let file = try rewriteIncrement(backups, resign: true) { injected + "\n" + $0 }
            let path = target(store)
            do {
                try backups.restore(to: path)
                Issue.record("restored an increment with \(injected)")
            } catch let BackupError.damaged(name, reason) {
                #expect(name == file)
                #expect(reason.contains("does not have") || reason.contains("does not fit"), "\(reason)")
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("a manifest without signatures is refused with what to do; --trust-unsigned restores it; the next backup is a full one, signed")
    func unsigned() throws {
        let (store, backups) = try chain()
        let full = try backups.list()[0].file
        try backups.save(try backups.list().map { var r = $0; r.mac = nil; r.keyCheck = nil; return r })
        #expect(throws: BackupError.unsigned(full)) { try backups.restore(to: target(store)) }
        #expect(BackupError.unsigned(full).description.contains("--trust-unsigned"))
        #expect(try backups.verify().allSatisfy { $0.1?.contains("not signed") == true })
        #expect(try backups.restore(to: target(store), trustUnsigned: true).count == 2)

        let next = try backups.incremental()
        #expect(next.kind == .full, "an increment never builds on a record that is not signed")
        #expect(backups.trust(try backups.list()) == [.unsigned, .unsigned, .signed])
        #expect(try backups.restore(to: target(store)) == [next.file])
        #expect(throws: BackupError.unsigned(full)) { try backups.restore(to: target(store), upTo: full) }
        #expect(throws: BackupError.noSuchBackup("full-nope.sqlite")) { try backups.restore(to: target(store), upTo: "full-nope.sqlite") }
    }

    @Test("backups made by a store with another personal-data key are refused as such: put that key back")
    func otherKey() throws {
        let (store, backups) = try chain()
        let newBoard = try KioskDatabase.open(at: store.directory.appendingPathComponent("new-board/kioskd.sqlite").path)
        let there = Backups(database: newBoard, directory: backups.directory)
        let full = try backups.list()[0].file
        #expect(throws: BackupError.otherKey(full)) { try there.restore(to: target(store)) }
        #expect(BackupError.otherKey(full).description.contains("put back the key file"))
        // The same board with the store's key file put back restores.
        let keyed = try KioskDatabase.open(at: store.directory.appendingPathComponent("keyed/kioskd.sqlite").path, key: .key(store.database.personalData))
        #expect(try Backups(database: keyed, directory: backups.directory).restore(to: target(store)).count == 2)
    }

    @Test("removing an increment from the middle of a chain breaks the next one's signature")
    func removedIncrement() throws {
        let (store, backups) = try chain()
        try store.database.catalog.save(Bin(code: "B-10"))
        let last = try backups.incremental()
        var records = try backups.list()
        records.remove(at: 1)
        try backups.save(records)
        #expect(throws: BackupError.altered(last.file)) { try backups.restore(to: target(store)) }
    }

    @Test("after a schema migration the next backup is a full one, so that no chain spans two schemas")
    func schemaChange() throws {
        let (store, backups) = try chain()
        #expect(try backups.incremental().kind == .incremental)
        try store.database.pool.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-test')") }
        let before = try #require(try backups.list()[0].schemaMigrations)
        let next = try backups.incremental()
        #expect(next.kind == .full && next.schemaMigrations == before + 1)
        #expect(try backups.restore(to: target(store)) == [next.file])
    }

    @Test("prune counts only signed full backups: unsigned records added to the manifest cannot push the real ones out")
    func pruneIgnoresUnsigned() throws {
        let (store, backups) = try chain()
        let real = try backups.list()
        let fakes = (1...3).map { i in
            var fake = real[0]
            fake.file = "full-2099010\(i)-000000-000.sqlite"
            fake.base = fake.file
            fake.mac = nil
            return fake
        }
        try backups.save(real + fakes)
        #expect(try backups.prune(keepFull: 1).isEmpty)
        for record in real { #expect(FileManager.default.fileExists(atPath: backups.directory.appendingPathComponent(record.file).path)) }
        _ = store
    }
}

@Suite("The backup schedule")
struct BackupScheduleTests {
    let utc = TimeZone(identifier: "UTC")!

    @Test("runs daily at the set time; a full copy on the set weekday or when the last is a week old")
    func schedule() throws {
        let schedule = BackupSchedule(minuteOfDay: 150, fullWeekday: 1, keepFull: 2, timeZone: utc)
        let wednesday = ISO8601DateFormatter().date(from: "2026-11-25T01:00:00Z")!
        #expect(schedule.nextRun(after: wednesday) == ISO8601DateFormatter().date(from: "2026-11-25T02:30:00Z"))
        #expect(schedule.nextRun(after: ISO8601DateFormatter().date(from: "2026-11-25T02:30:00Z")!) == ISO8601DateFormatter().date(from: "2026-11-26T02:30:00Z"))
        let sunday = ISO8601DateFormatter().date(from: "2026-11-29T02:30:00Z")!
        #expect(schedule.kind(at: wednesday, lastFull: nil) == .full, "no full copy yet")
        #expect(schedule.kind(at: wednesday, lastFull: wednesday.addingTimeInterval(-86_400)) == .incremental)
        #expect(schedule.kind(at: sunday, lastFull: wednesday) == .full, "the weekly full copy")
        #expect(schedule.kind(at: wednesday, lastFull: wednesday.addingTimeInterval(-8 * 86_400)) == .full, "a week without a full copy")
    }

    @Test("scheduled runs over three weeks keep two full copies and their increments, and restore")
    func runs() throws {
        let store = try TemporaryStore()
        let backups = Backups(database: store.database, directory: store.directory.appendingPathComponent("backups"))
        let schedule = BackupSchedule(minuteOfDay: 150, fullWeekday: 1, keepFull: 2, timeZone: utc)
        var day = ISO8601DateFormatter().date(from: "2026-11-25T02:30:00Z")!
        for _ in 0..<21 {
            _ = try store.database.stock.record(store.draft(.receive, 1, to: "A-01"))
            try backups.scheduledRun(schedule, at: day)
            day = schedule.nextRun(after: day)
        }
        let records = try backups.list()
        #expect(records.filter { $0.kind == .full }.count == 2)
        #expect(records.first?.kind == .full)
        let target = store.directory.appendingPathComponent("r.sqlite").path
        try backups.restore(to: target)
        #expect(try KioskDatabase.open(at: target).stock.balances().first?.quantity == 21)
    }
}
