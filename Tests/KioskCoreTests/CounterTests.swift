import Foundation
import GRDB
import Synchronization
import Testing
@testable import KioskCore

@Suite("The parts counter: scans to durable movements")
struct CounterTests {

    @Test("a clerk receives by EAN-13, issues by GS1-128 to a work order, and undoes")
    func receiveIssueUndo() throws {
        let store = try TemporaryStore()
        let counter = Counter(database: store.database, deviceID: "counter-1")
        try store.openWorkOrders("WO-1")
        let received = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "KD:CMD:QTY:10", "6901234567892")
        #expect(received.allSatisfy { $0.accepted })
        #expect(received.last?.movement?.quantity == 10)
        let issued = try counter.scan("KD:CMD:ISSUE", "KD:WO:WO-1", "]C101095011015300033002")
        #expect(issued.last?.movement?.kind == .issue)
        #expect(issued.last?.movement?.quantity == 2, "AI 30 carries the count")
        #expect(issued.last?.movement?.workOrder == "WO-1")
        let undone = try counter.scan("KD:CMD:UNDO")
        #expect(undone[0].movement?.kind == .reversal)
        #expect(try store.database.stock.balances().first?.quantity == 10)
        #expect(try store.database.stock.checkBalances().isEmpty)
    }

    @Test("a refused scan changes nothing but is logged with its reason")
    func refusal() throws {
        let store = try TemporaryStore()
        let counter = Counter(database: store.database, deviceID: "counter-1")
        try store.openWorkOrders("WO-1")
        _ = try counter.scan("KD:CMD:ISSUE", "KD:WO:WO-1", "KD:BIN:A-01")
        let before = try counter.session()
        let feedback = try counter.scan("6901234567892")[0]
        #expect(!feedback.accepted)
        #expect(feedback.message.contains("not enough stock"))
        #expect(try counter.session() == before)
        #expect(try store.database.stock.movements().isEmpty)
        let logged = try store.database.pool.read { try Row.fetchAll($0, sql: "SELECT accepted, message FROM scan_log ORDER BY seq") }
        #expect(logged.count == 4)
        #expect(logged.last?["accepted"] == false)
        let unknown = try counter.scan("9999999999", "KD:BIN:NOPE")
        #expect(unknown.allSatisfy { !$0.accepted })
    }

    @Test("the same scan delivered twice is applied once")
    func duplicateScanID() throws {
        let store = try TemporaryStore()
        let counter = Counter(database: store.database, deviceID: "counter-1")
        _ = try counter.scan("KD:CMD:RECEIVE")
        let event = ScanEvent(source: "test", text: "6901234567892")
        let first = try counter.handle(event)
        let again = try counter.handle(event)
        #expect(first.accepted && !first.duplicate)
        #expect(again.duplicate && again.movement?.key == event.id)
        #expect(try store.database.stock.movements().count == 1)
    }

    @Test("a scan delivered again after its mode changed, or refused the first time, is answered as the first time")
    func redeliveredScansAreAnsweredAsBefore() throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-1")
        let counter = Counter(database: store.database, deviceID: "counter-1")
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01")
        let receipt = ScanEvent(source: "test", text: "6901234567892")
        #expect(try counter.handle(receipt).accepted)
        // The clerk has moved on to issuing: the receipt's second delivery would now be refused
        // (no work order), or issue the part, if it were decided again.
        _ = try counter.scan("KD:CMD:ISSUE", "KD:WO:WO-1", "KD:BIN:A-01")
        let sessionBefore = try counter.session()
        let again = try counter.handle(receipt)
        #expect(again.duplicate && again.accepted && again.movement?.key == receipt.id && again.movement?.kind == .receive)
        #expect(try counter.session() == sessionBefore)
        let issue = ScanEvent(source: "test", text: "6901234567892")
        #expect(try counter.handle(issue).movement?.kind == .issue)
        // No stock left: the issue's second delivery would be refused if it were decided again.
        #expect(try counter.handle(issue).duplicate)
        let refused = ScanEvent(source: "test", text: "6901234567892")
        let first = try counter.handle(refused)
        #expect(!first.accepted && first.message.contains("not enough stock"))
        let second = try counter.handle(refused)
        #expect(second.duplicate && !second.accepted && second.message == first.message && second.movement == nil)
        #expect(try store.database.stock.movements().map(\.kind) == [.issue, .receive])
        let logged = try store.database.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM scan_log WHERE scanID IN (?, ?, ?)",
                                                                     arguments: [receipt.id, issue.id, refused.id]) }
        #expect(logged == 3, "each scan logged once")
        #expect(try store.database.stock.checkBalances().isEmpty)
    }

    @Test("an undo refused after it began writing leaves the list without its entry and nothing booked")
    func refusedUndoAfterWriting() throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-1")
        let counter = Counter(database: store.database, deviceID: "counter-1")
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892")
        // The received part is issued elsewhere: undoing the receipt would take A-01 below zero.
        _ = try store.database.stock.record(store.draft(.issue, 1, from: "A-01", workOrder: "WO-1"))
        let undo = try counter.scan("KD:CMD:UNDO")[0]
        #expect(!undo.accepted && undo.message.contains("removed from the undo list"))
        #expect(try counter.session().undoStack.isEmpty)
        #expect(try store.database.stock.movements().map(\.kind) == [.issue, .receive])
        #expect(try store.database.stock.checkBalances().isEmpty)
    }

    @Test("a counter follows its session changed meanwhile by another process or another counter of the same device")
    func sessionChangedElsewhere() throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-1")
        let counter = Counter(database: store.database, deviceID: "counter-1")
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "KD:CMD:QTY:3", "6901234567892")
        // Another process (its own connection to the file), as `kioskd scan` would.
        let elsewhere = try KioskDatabase.open(at: store.database.path)
        _ = try Counter(database: elsewhere, deviceID: "counter-1").scan("KD:CMD:ISSUE", "KD:WO:WO-1")
        let issued = try counter.scan("6901234567892")[0]
        #expect(issued.movement?.kind == .issue && issued.movement?.workOrder == "WO-1", "\(issued.message)")
        // Another counter for the same device in this process (the same connection).
        _ = try Counter(database: store.database, deviceID: "counter-1").scan("KD:CMD:RECEIVE")
        let received = try counter.scan("6901234567892")[0]
        #expect(received.movement?.kind == .receive, "\(received.message)")
        // And UNDO reaches what the other counters booked, newest first.
        #expect(try counter.scan("KD:CMD:UNDO")[0].message.contains("undone: receive"))
        #expect(try store.database.stock.balances().map(\.quantity) == [2])
    }

    @Test("a bin removed from the catalog after it was scanned is refused as unknown, and nothing is booked")
    func binRemovedAfterScanning() throws {
        let store = try TemporaryStore()
        try store.database.catalog.save(Bin(code: "B-09"))
        let counter = Counter(database: store.database, deviceID: "counter-1")
        #expect(try counter.scan("KD:CMD:RECEIVE", "KD:BIN:B-09").allSatisfy(\.accepted))
        // The hub's catalog drops the empty bin (Outbox applies a deleted bin so).
        try store.database.pool.write { db in _ = try Bin.deleteOne(db, key: "B-09") }
        let feedback = try counter.scan("6901234567892")[0]
        #expect(!feedback.accepted && feedback.message.contains("unknown bin B-09"), "\(feedback.message)")
        #expect(try store.database.stock.movements().isEmpty)
        #expect(try counter.session().bin == "B-09" && counter.session().mode == .receive, "the session is kept as it was")
    }

    @Test("the session lives in the store: a new process carries on")
    func sessionSurvivesRestart() throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-7")
        _ = try Counter(database: store.database, deviceID: "counter-1").scan("KD:CMD:RECEIVE", "KD:BIN:A-02", "4006381333931",
                     "KD:CMD:ISSUE", "KD:WO:WO-7", "KD:BIN:A-02", "4006381333931", "KD:CMD:RETURN", "KD:BIN:A-02", "KD:WO:WO-7")
        let reopened = try KioskDatabase.open(at: store.database.path)
        let feedback = try Counter(database: reopened, deviceID: "counter-1").scan("4006381333931")[0]
        #expect(feedback.movement?.kind == .return && feedback.movement?.toBin == "A-02" && feedback.movement?.workOrder == "WO-7")
        #expect(try Counter(database: reopened, deviceID: "counter-2").session().mode == .lookup, "sessions are per device")
    }

    @Test("counting a bin by scanning, closing and confirming, with an undone count scan")
    func countByScanning() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 3, to: "A-01"))
        let counter = Counter(database: store.database, deviceID: "counter-1")
        let opened = try counter.scan("KD:CMD:COUNT", "KD:BIN:A-01", "6901234567892", "6901234567892", "4006381333931", "KD:CMD:UNDO")
        #expect(opened.allSatisfy { $0.accepted }, "\(opened.map(\.message))")
        let closed = try counter.scan("KD:CMD:CLOSE")[0]
        #expect(closed.variance.map { "\($0.partNumber):\($0.expected)→\($0.counted)" } == ["15400-RTA-003:3→2"])
        #expect(try counter.scan("KD:CMD:CONFIRM")[0].accepted)
        #expect(try store.database.stock.balances(bin: "A-01").map(\.quantity) == [2])
        #expect(try store.database.stock.movements().first?.kind == .count)
    }

    @Test("look-up mode shows stock and moves nothing")
    func lookup() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 3, to: "A-02"))
        let feedback = try Counter(database: store.database, deviceID: "c").scan("15400-RTA-003")[0]
        #expect(feedback.accepted && feedback.movement == nil && feedback.message.contains("A-02:3"))
    }
}

/// The savepoint each scan's action runs in (``Database/inCachedSavepoint(_:)``).
@Suite("The scan's savepoint")
struct ScanSavepointTests {
    struct Refused: Error {}

    @Test("a refused action leaves nothing behind and the rest of the transaction commits; an accepted one stays")
    func refusedActionIsUndone() throws {
        let store = try TemporaryStore()
        try store.database.pool.write { db in
            try db.execute(sql: "INSERT INTO bin (code) VALUES ('S-01')")
            do {
                try db.inCachedSavepoint {
                    try db.execute(sql: "INSERT INTO bin (code) VALUES ('S-02')")
                    throw Refused()
                }
                Issue.record("the refusal was not rethrown")
            } catch is Refused {}
            try db.inCachedSavepoint { try db.execute(sql: "INSERT INTO bin (code) VALUES ('S-03')") }
        }
        let bins = try store.database.pool.read { try String.fetchAll($0, sql: "SELECT code FROM bin WHERE code LIKE 'S-%' ORDER BY code") }
        #expect(bins == ["S-01", "S-03"])
    }

    @Test("when SQLite has already rolled the whole transaction back (disk full, I/O error), the real error comes out, not the savepoint's")
    func abortedTransactionKeepsItsCause() throws {
        let store = try TemporaryStore()
        #expect(throws: Refused.self) {
            try store.database.pool.write { db in
                try db.inCachedSavepoint {
                    try db.execute(sql: "INSERT INTO bin (code) VALUES ('S-04')")
                    // What SQLite does on SQLITE_FULL or SQLITE_IOERR: the transaction is gone.
                    try db.execute(sql: "ROLLBACK")
                    throw Refused()
                }
            }
        }
        #expect(try store.database.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM bin WHERE code = 'S-04'") } == 0)
    }

    @Test("a transaction of cached statements commits what it wrote, telling the change stream and afterNextTransaction; a throw leaves nothing")
    func cachedTransaction() throws {
        let store = try TemporaryStore()
        let before = store.database.changes.version(of: [.stock])
        final class Outcome: Sendable { let committed = Mutex<Bool?>(nil) }
        let outcome = Outcome()
        try store.database.pool.writeWithoutTransaction { db in
            try db.inCachedTransaction {
                try db.execute(sql: "INSERT INTO bin (code) VALUES ('T-01')")
                db.afterNextTransaction { _ in outcome.committed.withLock { $0 = true } } onRollback: { _ in outcome.committed.withLock { $0 = false } }
            }
            #expect(!db.isInsideTransaction)
        }
        #expect(outcome.committed.withLock { $0 } == true)
        #expect(store.database.changes.version(of: [.stock]) > before, "the bin's commit reached the change stream")
        let afterCommit = store.database.changes.version(of: [.stock])
        #expect(throws: Refused.self) {
            try store.database.pool.writeWithoutTransaction { db in
                try db.inCachedTransaction {
                    try db.execute(sql: "INSERT INTO bin (code) VALUES ('T-02')")
                    throw Refused()
                }
            }
        }
        #expect(store.database.changes.version(of: [.stock]) == afterCommit, "a rollback publishes nothing")
        // After SQLite rolled it back itself (disk full), the cause comes out, and the next one works.
        #expect(throws: Refused.self) {
            try store.database.pool.writeWithoutTransaction { db in
                try db.inCachedTransaction {
                    try db.execute(sql: "INSERT INTO bin (code) VALUES ('T-03')")
                    try db.execute(sql: "ROLLBACK")
                    throw Refused()
                }
            }
        }
        try store.database.pool.writeWithoutTransaction { db in try db.inCachedTransaction { try db.execute(sql: "INSERT INTO bin (code) VALUES ('T-04')") } }
        let bins = try store.database.pool.read { try String.fetchAll($0, sql: "SELECT code FROM bin WHERE code LIKE 'T-%' ORDER BY code") }
        #expect(bins == ["T-01", "T-04"])
    }
}
