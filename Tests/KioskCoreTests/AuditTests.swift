import Foundation
import GRDB
import Testing
@testable import KioskCore

@Suite("The audit log: append-only, hash-chained")
struct AuditTests {
    @Test("adjustments, stocktake confirmations, PINs and balance repairs are logged; the chain verifies")
    func recorded() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 10, to: "A-01"))
        _ = try store.database.stock.record(store.draft(.adjust, 2, from: "A-01", reason: "破损 damaged"))
        let id = try store.database.stocktakes.open(bin: "A-01", actor: "clerk").id
        try store.database.stocktakes.recordCount(stocktake: id, partNumber: "15400-RTA-003", bin: "A-01", quantity: 7, deviceID: "c", actor: "clerk")
        _ = try store.database.stocktakes.close(id)
        _ = try store.database.stocktakes.confirm(id, deviceID: "c", actor: "manager")
        try store.database.workshop.save(Technician(badge: "T1", name: "王师傅"))
        try store.database.workshop.setPIN(badge: "T1", pin: "2468", actor: "manager")
        let entries = try store.database.audit.entries()
        #expect(entries.map(\.action) == [.stockAdjusted, .stocktakeConfirmed, .pinSet])
        #expect(entries[0].detail.contains("A-01 -2: 破损 damaged") && entries[0].actor == "tester")
        #expect(entries[1].actor == "manager" && entries[1].detail.contains("1 adjustments posted"))
        #expect(try store.database.audit.verify().isIntact)
        #expect(try store.database.audit.verify().entries == 3)
    }

    @Test("the store refuses to update or delete an entry")
    func appendOnly() throws {
        let store = try TemporaryStore()
        try store.database.audit.record(.configChanged, actor: "kioskd", detail: "a")
        #expect(throws: (any Error).self) { try store.database.pool.write { try $0.execute(sql: "UPDATE audit_log SET detail = 'b'") } }
        #expect(throws: (any Error).self) { try store.database.pool.write { try $0.execute(sql: "DELETE FROM audit_log") } }
        #expect(try store.database.audit.entries().map(\.detail) == ["a"])
    }

    @Test("an edited, removed or reordered entry is found, even by someone who dropped the triggers")
    func tampering() throws {
        for (tamper, seq, reason) in [
            ("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2", Int64(2), "edited"),
            ("DELETE FROM audit_log WHERE seq = 2", Int64(2), "missing"),
            ("UPDATE audit_log SET seq = 10 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 10", Int64(3), "does not follow"),
        ] {
            let store = try TemporaryStore()
            for i in 1...5 { try store.database.audit.record(.stockAdjusted, actor: "clerk", detail: "entry \(i)") }
            try store.database.pool.write { db in
                try db.execute(sql: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
                try db.execute(sql: tamper)
            }
            let result = try store.database.audit.verify()
            #expect(result.firstBreak?.seq == seq, "\(tamper): \(result)")
            #expect(result.description.contains(reason), "\(result)")
        }
    }

    @Test("a config file is recorded at first start and again only when its content changes")
    func configChanges() throws {
        let store = try TemporaryStore()
        let audit = store.database.audit
        #expect(try audit.recordConfigIfChanged(path: "/etc/kioskd/kioskd.toml", contents: Data("a = 1".utf8)))
        #expect(try !audit.recordConfigIfChanged(path: "/etc/kioskd/kioskd.toml", contents: Data("a = 1".utf8)))
        #expect(try audit.recordConfigIfChanged(path: "/etc/kioskd/kioskd.toml", contents: Data("a = 2".utf8)))
        #expect(try audit.entries().count == 2)
    }
}

@Suite("The audit log's anchor: a key outside the store vouches for its head (issue 20)")
struct AuditAnchorTests {
    /// A store with `count` entries.
    func store(entries count: Int) throws -> TemporaryStore {
        let store = try TemporaryStore()
        for i in 1...count { try store.database.audit.record(.stockAdjusted, actor: "clerk", detail: "entry \(i)") }
        return store
    }

    /// Runs SQL as someone with the file but not the key would: triggers dropped first.
    func tamper(_ store: TemporaryStore, _ sql: String) throws {
        try store.database.pool.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete")
            try db.execute(sql: sql)
        }
    }

    func anchorText(_ store: TemporaryStore) throws -> String? {
        try store.database.pool.read { try KioskMeta.value(AuditLog.anchorName, in: $0) }
    }

    @Test("a normal log verifies against its anchor; head() names the newest entry; an empty log is whole")
    func normal() throws {
        let empty = try TemporaryStore()
        #expect(try empty.database.audit.verify().isIntact)
        #expect(try empty.database.audit.head() == nil)

        let store = try store(entries: 6)
        let last = try #require(try store.database.audit.entries().last)
        let head = try store.database.audit.head()
        #expect(head == AuditHead(seq: 6, hash: last.hash))
        let result = try store.database.audit.verify()
        #expect(result.isIntact, "\(result)")
        #expect(result.anchoredHead == head && result.entries == 6)
        #expect(result.description.contains("anchored at #6"))
        // The anchor moves in the entry's own transaction: a rolled-back entry leaves it where it was.
        struct Rollback: Error {}
        #expect(throws: Rollback.self) {
            try store.database.pool.write { db in
                try AuditLog.record(.configChanged, actor: "t", detail: "rolled back", at: Date(), in: db)
                throw Rollback()
            }
        }
        #expect(try store.database.audit.verify().anchoredHead == head)
        let reopened = try KioskDatabase.open(at: store.database.path)
        #expect(try reopened.audit.entries().count == 6, "a store anchored already is not anchored again when opened")
    }

    @Test("deleting the newest three entries with raw SQL is reported as a log cut short, and stays reported after a reopen")
    func cutShort() throws {
        let store = try store(entries: 10)
        try tamper(store, "DELETE FROM audit_log WHERE seq > 7")
        let result = try store.database.audit.verify()
        #expect(!result.isIntact)
        #expect(result.firstBreak?.seq == 8)
        #expect(result.description.contains("#8…#10 are missing: the log was cut short"), "\(result)")
        let reopened = try KioskDatabase.open(at: store.database.path)
        #expect(try reopened.audit.verify().firstBreak?.seq == 8)

        let emptied = try self.store(entries: 2)
        try tamper(emptied, "DELETE FROM audit_log")
        #expect(try emptied.database.audit.verify().description.contains("#1…#2 are missing"))
    }

    @Test("an anchor that does not verify is reported: made with another key, moved to an older head, or unreadable")
    func forged() throws {
        let other = PersonalDataKey.random()
        let forges: [(Int64, String, String) -> String] = [
            { seq, hash, _ in "\(seq) \(hash) \(other.auditAnchorTag(seq: seq, hash: hash))" },   // made with another key
            { seq, hash, tag in "\(seq) \(hash) \(tag)" },                                       // the newest tag moved to an older head
            { _, _, _ in "garbage" },
        ]
        for forge in forges {
            let store = try store(entries: 10)
            let tag = try #require(try anchorText(store)?.split(separator: " ").last.map(String.init))
            let seven = try #require(try store.database.audit.entries().first { $0.seq == 7 })
            try tamper(store, "DELETE FROM audit_log WHERE seq > 7")
            try store.database.pool.write { try KioskMeta.set(AuditLog.anchorName, forge(7, seven.hash, tag), in: $0) }
            let result = try store.database.audit.verify()
            #expect(!result.isIntact && result.anchoredHead == nil)
            #expect(result.description.contains("does not verify: forged, or made with another personal-data key"), "\(result)")
        }
    }

    @Test("an entry added with raw SQL (a valid chain, but no key) comes after the anchor and is reported")
    func appendedWithoutKey() throws {
        let store = try store(entries: 3)
        let last = try #require(try store.database.audit.entries().last)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let hash = AuditEntry.hash(seq: 4, at: at, actor: "nobody", action: .configChanged, detail: "x", previousHash: last.hash)
        try store.database.pool.write { db in
            try AuditEntry(seq: 4, at: at, actor: "nobody", action: .configChanged, detail: "x", previousHash: last.hash, hash: hash).insert(db)
        }
        let result = try store.database.audit.verify()
        #expect(result.firstBreak?.seq == 4 && result.description.contains("come after the anchor"), "\(result)")
    }

    @Test("a store from before anchoring is anchored when opened, with an entry saying so; an anchor removed later leaves a second one, which is reported")
    func upgradeAndRemovedAnchor() throws {
        let store = try store(entries: 3)
        // What a store written by an older kioskd looks like: entries, no anchor.
        try store.database.pool.write { try KioskMeta.remove(AuditLog.anchorName, in: $0) }
        #expect(try store.database.audit.verify().description.contains("the anchor is missing"))

        let upgraded = try KioskDatabase.open(at: store.database.path)
        let entries = try upgraded.audit.entries()
        #expect(entries.map(\.action) == [.stockAdjusted, .stockAdjusted, .stockAdjusted, .auditAnchored])
        #expect(entries.last?.detail.contains("the 3 entries before had no anchor") == true)
        let result = try upgraded.audit.verify()
        #expect(result.isIntact && result.anchoredHead?.seq == 4, "\(result)")

        // Someone removes the anchor (to hide a cut); the next open anchors again, and that shows.
        try upgraded.pool.write { try KioskMeta.remove(AuditLog.anchorName, in: $0) }
        let again = try KioskDatabase.open(at: store.database.path)
        let verdict = try again.audit.verify()
        #expect(verdict.firstBreak?.seq == 5 && verdict.description.contains("anchored again"), "\(verdict)")
    }
}

@Suite("PIN lockout")
struct PINLockoutTests {
    @Test("five wrong PINs lock the badge (5 minutes the first time), even the right PIN; the lock is audited and survives a reopen")
    func lockout() throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        try workshop.save(Technician(badge: "T1", name: "王师傅"))
        try workshop.setPIN(badge: "T1", pin: "2468", actor: "admin-test")
        let start = Date()
        #expect(try workshop.verifyPIN(badge: "T1", pin: "0000", at: start) == false)
        #expect(try workshop.verifyPIN(badge: "T1", pin: "2468", at: start), "a right PIN resets the count")
        for i in 1...PINLockout.maxFailures { #expect(try workshop.verifyPIN(badge: "T1", pin: "000\(i)", at: start) == false) }
        let reopened = try KioskDatabase.open(at: store.database.path).workshop
        do {
            _ = try reopened.verifyPIN(badge: "T1", pin: "2468", at: start.addingTimeInterval(60))
            Issue.record("a locked badge was let in")
        } catch let WorkshopError.pinLocked(badge, until) {
            #expect(badge == "T1" && abs(until.timeIntervalSince(start) - PINLockout.lockDuration(lockout: 1)) < 0.01)
        }
        #expect(try reopened.verifyPIN(badge: "T1", pin: "2468", at: start.addingTimeInterval(PINLockout.lockDuration(lockout: 1) + 1)))
        #expect(try store.database.audit.entries().map(\.action).contains(.pinLocked))
    }

    @Test("each lock in a row lasts three times the one before (5, 15, 45 min … at most 4 h); the manager sees it and can lift it; a right PIN resets the row")
    func lockoutBacksOff() throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        try workshop.save(Technician(badge: "T1", name: "王师傅"))
        try workshop.setPIN(badge: "T1", pin: "2468", actor: "admin-test")
        var time = Date()
        func lock() throws -> Date {
            for i in 1...PINLockout.maxFailures { #expect(try workshop.verifyPIN(badge: "T1", pin: "000\(i)", at: time) == false) }
            return try #require(try workshop.pinLocks(at: time)["T1"]?.lockedUntil)
        }
        #expect(abs(try lock().timeIntervalSince(time) - 5 * 60) < 0.01)
        time = time.addingTimeInterval(5 * 60 + 1)
        #expect(abs(try lock().timeIntervalSince(time) - 15 * 60) < 0.01)
        try workshop.unlockPIN(badge: "T1", actor: "MG", at: time)
        #expect(try workshop.pinLocks(at: time)["T1"] == PINLockState(lockedUntil: nil, failures: 0, lockouts: 2), "lifting keeps the row")
        #expect(abs(try lock().timeIntervalSince(time) - 45 * 60) < 0.01)
        #expect(PINLockout.lockDuration(lockout: 9) == 4 * 3600)
        try workshop.unlockPIN(badge: "T1", actor: "MG", at: time)
        #expect(try workshop.verifyPIN(badge: "T1", pin: "2468", at: time))
        #expect(try workshop.pinLocks(at: time)["T1"] == nil, "a right PIN resets the row")
        let audit = try store.database.audit.entries()
        #expect(audit.filter { $0.action == .pinLocked }.map(\.detail).last?.contains("lockout 3 in a row") == true)
        #expect(audit.contains { $0.action == .pinUnlocked && $0.actor == "MG" })
    }

    @Test("an unknown badge costs the same hash as a known one: the answer's time does not tell which badges exist")
    func unknownBadgeTakesAsLong() throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        try workshop.save(Technician(badge: "T1", name: "王师傅"))
        try workshop.setPIN(badge: "T1", pin: "2468", actor: "admin-test")
        #expect(throws: WorkshopError.unknownTechnician("NOBODY")) { try workshop.verifyPIN(badge: "NOBODY", pin: "1234") }
        // The decoy is a full-strength hash of the same format: the same work as a real one.
        #expect(PINHash.decoy.hasPrefix("pbkdf2-sha256$\(PINHash.rounds)$"))
        #expect(!PINHash.verify("1234", against: PINHash.decoy))
    }

    @Test("guesses sent side by side cannot race the lock: at most five are checked before it (issue 20, found from outside)")
    func concurrentGuesses() async throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        try workshop.save(Technician(badge: "T1", name: "王师傅"))
        try workshop.setPIN(badge: "T1", pin: "2468", actor: "admin-test")
        // 40 wrong guesses, 8 at a time, as an attacker on the network sends them.
        let checked = try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<5 {
                for i in 0..<8 {
                    group.addTask {
                        do { _ = try workshop.verifyPIN(badge: "T1", pin: String(format: "%04d", round * 8 + i + 1)); return true }
                        catch let error as WorkshopError {
                            switch error {
                            case .pinLocked, .pinAttemptsInProgress: return false
                            default: throw error
                            }
                        }
                    }
                }
            }
            var checked = 0
            for try await wasChecked in group where wasChecked { checked += 1 }
            return checked
        }
        #expect(checked <= PINLockout.maxFailures, "\(checked) guesses were checked; the lock allows \(PINLockout.maxFailures)")
        #expect(throws: WorkshopError.self, "locked: the right PIN too") { try workshop.verifyPIN(badge: "T1", pin: "2468") }
        #expect(try store.database.audit.entries().filter { $0.action == .pinLocked }.count == 1, "one lock, audited once")
    }
}
