import Foundation
import GRDB
import Testing
@testable import KioskCore

@Suite("Stock movements on a real SQLite file")
struct StockLedgerTests {
    @Test("the writer commits with synchronous = FULL in WAL mode, with foreign keys on")
    func durabilitySettings() throws {
        let store = try TemporaryStore()
        #expect(try store.database.writerSynchronousLevel() == 2)
        let (mode, foreignKeys) = try store.database.pool.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(mode == "wal")
        #expect(foreignKeys == 1)
    }

    @Test("receive, issue, return and transfer move the balances they name")
    func movementsMoveStock() throws {
        let store = try TemporaryStore()
        let ledger = store.database.stock
        _ = try ledger.record(store.draft(.receive, 10, to: "A-01"))
        _ = try ledger.record(store.draft(.issue, 3, from: "A-01", workOrder: "WO-1"))
        _ = try ledger.record(store.draft(.return, 1, to: "A-01", workOrder: "WO-1"))
        let transfer = try ledger.record(store.draft(.transfer, 2, from: "A-01", to: "A-02"))
        #expect(transfer.movement.seq == 4, "the recorded movement carries its sequence (acknowledgements name it)")
        let balances = try ledger.balances(partNumber: "15400-RTA-003")
        #expect(balances == [StockBalance(partNumber: "15400-RTA-003", binCode: "A-01", quantity: 6),
                             StockBalance(partNumber: "15400-RTA-003", binCode: "A-02", quantity: 2)])
        let movements = try ledger.movements()
        #expect(movements.map(\.kind) == [.transfer, .return, .issue, .receive])
        #expect(movements.map { $0.seq! } == [4, 3, 2, 1], "the local sequence is monotonic")
        #expect(movements.allSatisfy { $0.deviceID == "counter-test" && $0.actor == "tester" })
    }

    @Test("recording the same idempotency key twice is one movement")
    func idempotency() throws {
        let store = try TemporaryStore()
        let key = UUID()
        let first = try store.database.stock.record(store.draft(.receive, 4, to: "A-01", key: key))
        let second = try store.database.stock.record(store.draft(.receive, 4, to: "A-01", key: key))
        guard case .recorded = first, case .alreadyRecorded(let stored) = second else {
            Issue.record("expected recorded then alreadyRecorded, got \(first) then \(second)")
            return
        }
        #expect(stored.key == key)
        #expect(try store.database.stock.movements().count == 1)
        #expect(try store.database.stock.balances().first?.quantity == 4)
    }

    @Test("issuing more than is on hand is refused and changes nothing")
    func negativeStockRefused() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 2, to: "A-01"))
        #expect(throws: StockError.insufficientStock(partNumber: "15400-RTA-003", bin: "A-01", onHand: 2, requested: 3)) {
            try store.database.stock.record(store.draft(.issue, 3, from: "A-01", workOrder: "WO-1"))
        }
        #expect(try store.database.stock.movements().count == 1)
        #expect(try store.database.stock.balances().first?.quantity == 2)
    }

    @Test("negative stock is allowed when the config says so")
    func negativeStockAllowed() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.issue, 3, from: "A-01", workOrder: "WO-1"), allowNegativeStock: true)
        #expect(try store.database.stock.balances().first?.quantity == -3)
    }

    @Test("malformed drafts are refused with the reason", arguments: [
        (MovementKind.issue, 1, "A-01" as String?, nil as String?, nil as String?, nil as String?, StockError.workOrderRequired),
        (.adjust, 1, nil, "A-01", nil, nil, .reasonRequired),
        (.receive, 0, nil, "A-01", nil, nil, .invalidQuantity(0)),
        (.transfer, 1, "A-01", "A-01", nil, nil, .transferToSameBin("A-01")),
        (.receive, 1, nil, "Z-99", nil, nil, .unknownBin("Z-99")),
    ])
    func malformedDrafts(kind: MovementKind, quantity: Int, from: String?, to: String?, workOrder: String?, reason: String?, error: StockError) throws {
        let store = try TemporaryStore()
        #expect(throws: error) {
            try store.database.stock.record(store.draft(kind, quantity, from: from, to: to, workOrder: workOrder, reason: reason))
        }
        #expect(try store.database.stock.movements().isEmpty)
    }

    @Test("an unknown part is refused")
    func unknownPart() throws {
        let store = try TemporaryStore()
        #expect(throws: StockError.unknownPart("NOPE")) {
            try store.database.stock.record(store.draft(.receive, 1, part: "NOPE", to: "A-01"))
        }
    }

    @Test("falling below reorder point and safety stock raises alerts; restocking clears them")
    func alerts() throws {
        let store = try TemporaryStore()
        let ledger = store.database.stock
        _ = try ledger.record(store.draft(.receive, 10, to: "A-01"))
        let atReorder = try ledger.record(store.draft(.issue, 2, from: "A-01", workOrder: "WO-1"))
        guard case .recorded(_, let reorderAlerts) = atReorder else { Issue.record("not recorded"); return }
        #expect(reorderAlerts.map(\.level) == [.reorderPoint], "8 on hand is at the reorder point of 8")
        let belowSafety = try ledger.record(store.draft(.issue, 4, from: "A-01", workOrder: "WO-1"))
        guard case .recorded(_, let safetyAlerts) = belowSafety else { Issue.record("not recorded"); return }
        #expect(safetyAlerts.map(\.level) == [.belowSafetyStock], "4 is below the safety stock of 5; reorder already stands")
        #expect(try ledger.standingAlerts().map(\.level) == [.reorderPoint, .belowSafetyStock])
        _ = try ledger.record(store.draft(.receive, 20, to: "A-02"))
        #expect(try ledger.standingAlerts().isEmpty, "24 on hand clears both")
    }

    @Test("stock check finds a balance that drifted from the movements, and repairs it")
    func driftCheck() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 7, to: "A-01"))
        #expect(try store.database.stock.checkBalances().isEmpty)
        try store.database.pool.write { try $0.execute(sql: "UPDATE stock_balance SET quantity = 99") }
        let drift = try store.database.stock.checkBalances()
        #expect(drift == [.init(partNumber: "15400-RTA-003", binCode: "A-01", cached: 99, fromMovements: 7)])
        _ = try store.database.stock.checkBalances(repair: true)
        #expect(try store.database.stock.checkBalances().isEmpty)
        #expect(try store.database.stock.balances().first?.quantity == 7)
    }

    @Test("a movement is never deleted: the schema refuses a reversal of a reversed movement")
    func reversalOnce() throws {
        let store = try TemporaryStore()
        let receive = try store.database.stock.record(store.draft(.receive, 3, to: "A-01")).movement
        var undo = store.draft(.reversal, 3, from: "A-01")
        undo.reverses = receive.key
        _ = try store.database.stock.record(undo)
        var again = store.draft(.reversal, 3, from: "A-01")
        again.reverses = receive.key
        #expect(throws: StockError.alreadyReversed(receive.key.uuidString)) { try store.database.stock.record(again) }
        #expect(try store.database.stock.balances().isEmpty)
    }

    @Test("the store survives reopening: movements and balances are in the file")
    func reopen() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 5, to: "A-01"))
        let reopened = try KioskDatabase.open(at: store.database.path)
        #expect(try reopened.stock.balances().first?.quantity == 5)
        #expect(try reopened.writerSynchronousLevel() == 2)
    }
}

@Suite("Stored dates")
struct StoredDateTests {
    @Test("the scan path writes a date as the same text GRDB writes")
    func sameTextAsGRDB() {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.999), Date(timeIntervalSince1970: 4_102_444_799.9995),
                     Date(timeIntervalSince1970: 1_798_761_599.001), Date()]
        for _ in 0..<20_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator))) }
        for date in dates {
            #expect(StoredDate.text(date) == String.fromDatabaseValue(date.databaseValue), "\(date.timeIntervalSince1970)")
        }
    }
}

@Suite("Dates on the wire")
struct WireDateTests {
    @Test("a date from 1970 to 9999 crosses the wire and comes back to the millisecond")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        var dates = [WireDate.range.lowerBound, Date(timeIntervalSince1970: 253_402_300_799), Date(timeIntervalSince1970: 1_796_000_000.123)]
        for _ in 0..<5_000 { dates.append(Date(timeIntervalSince1970: (Double.random(in: 0..<253_402_300_799, using: &generator) * 1000).rounded() / 1000)) }
        for date in dates {
            let back = WireDate.date(WireDate.text(date))
            #expect(back.map { abs($0.timeIntervalSince(date)) < 0.0005 } == true, "\(WireDate.text(date)) came back as \(String(describing: back))")
        }
        #expect(WireDate.date("2026-12-02T09:30:00Z") == Date(timeIntervalSince1970: 1_796_203_800))
    }

    @Test("a date the store would not give back as sent is refused: before 1970 (the calendars part before 1583), after 9999, or not ISO 8601")
    func refused() {
        for text in ["1013-01-02T03:04:05Z", "1969-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "+10000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "yesterday", ""] {
            #expect(WireDate.date(text) == nil, "\(text)")
        }
    }
}

@Suite("The movement table's rebuild (migration v12)")
struct MovementRowidMigrationTests {
    @Test("movements recorded before the rebuild keep their sequence; the next one follows; none can be deleted")
    func rebuildKeepsSequence() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-v12-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("kioskd.sqlite").path
        let key = PersonalDataKey.random()
        do {
            // A store as kioskd left it before v12, with three movements and a gap-free history.
            var config = Configuration()
            config.prepareDatabase { db in key.install(on: db) }
            let queue = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrator.migrate(queue, upTo: "v11-movement-pages")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO kiosk_meta (name, value) VALUES ('personal_key_check', ?)", arguments: [key.check])
                try Bin(code: "A-01").insert(db)
                try db.execute(sql: "INSERT INTO part (partNumber, nameZh, nameEn, defaultBin) VALUES ('P1', '刹车片', 'Brake pad', 'A-01')")
                // Written as v11's columns were (today's insert has columns v11 lacks).
                for _ in 0..<3 {
                    try db.execute(sql: """
                        INSERT INTO stock_movement (key, kind, partNumber, quantity, toBin, deviceID, actor, recordedAt)
                        VALUES (?, 'receive', 'P1', 2, 'A-01', 'c', 'a', ?)
                        """, arguments: [UUID(), Date()])
                }
                try db.execute(sql: "INSERT INTO stock_balance (partNumber, binCode, quantity) VALUES ('P1', 'A-01', 6)")
            }
            #expect(try queue.read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = 'stock_movement'") }?.contains("AUTOINCREMENT") == true)
        }
        let store = try KioskDatabase.open(at: path, key: .key(key))
        let schema = try store.pool.read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = 'stock_movement'") }
        #expect(schema?.contains("AUTOINCREMENT") == false)
        let outcome = try store.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 1, toBin: "A-01", deviceID: "c", actor: "a"))
        #expect(try store.stock.movements().map(\.seq) == [4, 3, 2, 1])
        #expect(outcome.movement.seq == 4)
        #expect(try store.stock.balances().first?.quantity == 7)
        #expect(throws: DatabaseError.self, "a movement is never deleted") {
            try store.pool.write { try $0.execute(sql: "DELETE FROM stock_movement WHERE seq = 4") }
        }
        #expect(try store.pool.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'stock_movement' AND type = 'trigger' ORDER BY name") }
                == ["stock_movement_kept", "stock_movement_outbox"])
        #expect(try store.stock.checkBalances().isEmpty)
    }
}
