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
