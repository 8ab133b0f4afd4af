import Foundation
import GRDB
import Testing
@testable import KioskCore

/// The store's change stream: one change per commit with the areas it wrote, nothing for a
/// rollback, and other processes' commits seen through `PRAGMA data_version`.
@Suite("Store changes")
struct StoreChangesTests {
    /// The next change on `changes`, or a failure naming what was awaited after `seconds`.
    func next(_ changes: AsyncStream<StoreChange>, _ what: String, seconds: Int = 10) async throws -> StoreChange {
        let result = await withTaskGroup(of: StoreChange?.self) { group in
            group.addTask {
                var iterator = changes.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next()!
        }
        guard let change = result else {
            Issue.record("no change within \(seconds) s: waited for \(what)")
            throw CancellationError()
        }
        return change
    }

    @Test("a receipt is published once, after its commit, as stock and scans")
    func receiptIsOneChange() async throws {
        let store = try TemporaryStore()
        let changes = store.database.changes.subscribe()
        let before = store.database.changes.sequence
        let counter = Counter(database: store.database, deviceID: "c1")
        let feedback = try counter.handle(ScanEvent(source: "test", text: "KD:CMD:RECEIVE"))
        #expect(feedback.accepted)
        _ = try await next(changes, "the mode scan's commit")
        _ = try counter.handle(ScanEvent(source: "test", text: "6901234567892"))
        let change = try await next(changes, "the receipt's commit")
        #expect(change.areas.isSuperset(of: [.stock, .scans]))
        #expect(!change.fromElsewhere)
        #expect(change.sequence == before + 2, "one change per commit")
        #expect(store.database.changes.version(of: [.stock]) == change.sequence)
        #expect(store.database.changes.version(of: [.yard]) < change.sequence, "the yard did not change")
    }

    @Test("a subscriber to the workshop hears job moves and not stock movements")
    func filteredByArea() async throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-1")
        let workshop = store.database.changes.subscribe(to: [.workshop])
        _ = try store.database.stock.record(store.draft(.receive, 3, to: "A-01"))
        try store.database.workshop.advance("WO-1", actor: "t")
        let change = try await next(workshop, "the job's move")
        #expect(change.areas.contains(.workshop))
        #expect(!change.areas.contains(.stock), "the receipt before it was not delivered to this subscriber")
    }

    @Test("a page's subscriber that does not read holds only the newest change, however many commits come")
    func unreadPageHoldsOneChange() async throws {
        let store = try TemporaryStore()
        let page = store.database.changes.subscribe(to: [.stock], newestOnly: true)
        for code in (1...100).map({ "N-\($0)" }) { try store.database.catalog.save(Bin(code: code)) }
        let held = try await next(page, "the newest of 100 commits")
        #expect(held.sequence == store.database.changes.sequence, "only the last change is kept")
        store.database.changes.finishAll()
        var rest = page.makeAsyncIterator()
        #expect(await rest.next() == nil, "nothing else was buffered")
    }

    @Test("a service waiting for changes wakes for a commit to its areas, at once for one it has not seen yet, and not for other areas")
    func waitForChange() async throws {
        let store = try TemporaryStore()
        let changes = store.database.changes
        // Already moved since the service last looked: no wait at all.
        let stale = changes.version(of: [.stock])
        try store.database.catalog.save(Bin(code: "W-01"))
        #expect(await changes.waitForChange(of: [.stock], after: stale, timeout: .seconds(3600)))
        // A commit while it waits (an hour, if nothing came) wakes it.
        let seen = changes.version(of: [.stock])
        async let woke = changes.waitForChange(of: [.stock], after: seen, timeout: .seconds(3600))
        try store.database.catalog.save(Bin(code: "W-02"))
        #expect(await woke)
        // A change elsewhere does not: the wait runs out.
        let purchasing = changes.version(of: [.purchasing])
        async let quiet = changes.waitForChange(of: [.purchasing], after: purchasing, timeout: .milliseconds(200))
        try store.database.catalog.save(Bin(code: "W-03"))
        #expect(await quiet == false)
    }

    @Test("every table of the store belongs to an area that names it, so that what a page shows reaches it")
    func everyTableHasItsArea() throws {
        let store = try TemporaryStore()
        let tables = try store.database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
        }
        // `records` is the area of what no page shows for itself: the audit log and the store's own settings.
        let records = tables.filter { StoreArea.of(table: $0) == .records }.sorted()
        #expect(records == ["audit_log", "kiosk_meta"], "tables left to `records`: \(records)")
        #expect(StoreArea.of(table: "delivery") == .purchasing && StoreArea.of(table: "webhook_delivery") == .sync)
    }

    @Test("a rolled-back transaction publishes nothing")
    func rollbackIsSilent() async throws {
        let store = try TemporaryStore()
        let before = store.database.changes.sequence
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try store.database.pool.write { db in
                try db.execute(sql: "INSERT INTO bin (code) VALUES ('Z-99')")
                throw Abandon()
            }
        }
        // A refused movement (more than on hand) is rolled back too.
        #expect(throws: StockError.self) { try store.database.stock.record(store.draft(.issue, 5, from: "A-01", workOrder: nil)) }
        #expect(store.database.changes.sequence == before)
    }

    @Test("another process's commit is seen through data_version, this writer's own are not counted twice")
    func otherProcesses() async throws {
        let store = try TemporaryStore()
        let all = store.database.changes.subscribe()
        let seen = try await store.database.othersCommitVersion()
        let watcher = Task { await store.database.watchOtherProcesses(since: seen) }
        defer { watcher.cancel() }
        // Another connection to the same file, as a `kioskd` command would open.
        let other = try DatabaseQueue(path: store.database.path)
        try await other.write { try $0.execute(sql: "INSERT INTO bin (code) VALUES ('B-07')") }
        let change = try await next(all, "the other connection's commit")
        #expect(change.fromElsewhere)
        #expect(change.areas == Set(StoreArea.allCases), "what another process wrote is not known: every area")
        let version = try await store.database.othersCommitVersion()
        try store.database.catalog.save(Bin(code: "B-08"))
        let own = try await next(all, "this writer's commit")
        #expect(!own.fromElsewhere && own.areas.contains(.stock) && own.areas != Set(StoreArea.allCases))
        #expect(try await store.database.othersCommitVersion() == version, "the watcher's pragma does not move for this writer's own commit")
        // A later commit elsewhere wakes the watch by itself (inotify on the store's folder).
        try await other.write { try $0.execute(sql: "INSERT INTO bin (code) VALUES ('B-09')") }
        #expect(try await next(all, "a second commit of the other connection").fromElsewhere)
        try other.close()
        // This writer's commits wake the watch too, and are not taken for another's; a command
        // that commits at the same moment as this writer is still seen (at the latest when it
        // closes the store, as every command does when it exits).
        let command = try DatabaseQueue(path: store.database.path)
        try store.database.catalog.save(Bin(code: "B-10"))
        try await command.write { try $0.execute(sql: "INSERT INTO bin (code) VALUES ('B-11')") }
        try store.database.catalog.save(Bin(code: "B-12"))
        try command.close()
        var elsewhere = false
        for _ in 0..<4 where !elsewhere {
            elsewhere = try await next(all, "the command's commit, made between two of this writer's").fromElsewhere
        }
        #expect(elsewhere, "the command's commit was published as another process's")
    }
}
