import Crypto
import Foundation
import GRDB

/// One entry of the audit log (审计日志): who did what security-relevant thing, when.
public struct AuditEntry: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_log"

    /// What kind of action; the names are stable (upstream reads them).
    public enum Action: String, Codable, Sendable, Hashable, CaseIterable {
        case stockAdjusted = "stock.adjusted"
        case stocktakeConfirmed = "stocktake.confirmed"
        case pinSet = "technician.pin_set"
        case configChanged = "config.changed"
        case balancesRepaired = "stock.balances_repaired"
        case pinLocked = "technician.pin_locked"
        case backupTaken = "backup.taken"
        case backupRestored = "backup.restored"
        case signedIn = "staff.signed_in"
        case signedOut = "staff.signed_out"
        case roleChanged = "staff.role_changed"
        case deviceEnrolmentIssued = "hub.enrolment_issued"
        case deviceEnrolled = "hub.device_enrolled"
        case deviceRevoked = "hub.device_revoked"
        case pinUnlocked = "technician.pin_unlocked"
        case sessionsEnded = "staff.sessions_ended"
        case deviceAuditCut = "hub.device_audit_cut"
    }

    public var seq: Int64
    public var at: Date
    public var actor: String
    public var action: Action
    public var detail: String
    /// The hash of the entry before (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over this entry's fields and `previousHash`.
    public var hash: String

    /// The hash an entry with these fields must have.
    static func hash(seq: Int64, at: Date, actor: String, action: Action, detail: String, previousHash: String) -> String {
        let millis = Int64((at.timeIntervalSince1970 * 1000).rounded())
        let text = [String(seq), String(millis), actor, action.rawValue, detail, previousHash].joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(text.utf8)).hex
    }

    static let genesis = String(repeating: "0", count: 64)
}

/// What ``AuditLog/verify()`` found.
public struct AuditVerification: Sendable, Hashable, CustomStringConvertible {
    public var entries: Int
    /// The first entry that does not fit the chain, and why; `nil` when the chain is whole.
    public var firstBreak: (seq: Int64, reason: String)?

    public static func == (a: AuditVerification, b: AuditVerification) -> Bool {
        a.entries == b.entries && a.firstBreak?.seq == b.firstBreak?.seq && a.firstBreak?.reason == b.firstBreak?.reason
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(entries); hasher.combine(firstBreak?.seq) }

    public var isIntact: Bool { firstBreak == nil }

    public var description: String {
        guard let firstBreak else { return "审计日志完整 audit log intact: \(entries) entries, chain verified" }
        return "审计日志被改动 audit log tampered with at entry #\(firstBreak.seq): \(firstBreak.reason)"
    }
}

/// An append-only, hash-chained log of security-relevant actions. Each entry carries the
/// hash of the one before, so editing, removing or reordering any entry breaks the chain
/// from there on; the database also refuses UPDATE and DELETE on the table (triggers).
public struct AuditLog: Sendable {
    let database: KioskDatabase

    /// Appends an entry in its own transaction.
    @discardableResult
    public func record(_ action: AuditEntry.Action, actor: String, detail: String, at time: Date = Date()) throws -> AuditEntry {
        try database.pool.write { try Self.record(action, actor: actor, detail: detail, at: time, in: $0) }
    }

    /// Appends an entry inside the caller's transaction (the change it records commits with it).
    @discardableResult
    static func record(_ action: AuditEntry.Action, actor: String, detail: String, at time: Date, in db: Database) throws -> AuditEntry {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let previous: String = last?["hash"] ?? AuditEntry.genesis
        // Stored at millisecond precision, so that the hash verifies after a round trip.
        let at = Date(timeIntervalSince1970: (time.timeIntervalSince1970 * 1000).rounded() / 1000)
        let entry = AuditEntry(seq: seq, at: at, actor: actor, action: action, detail: detail, previousHash: previous,
                               hash: AuditEntry.hash(seq: seq, at: at, actor: actor, action: action, detail: detail, previousHash: previous))
        try entry.insert(db)
        return entry
    }

    /// Records the config file as changed when its content differs from the last one
    /// recorded (the first start records it too). Returns whether it recorded an entry.
    @discardableResult
    public func recordConfigIfChanged(path: String, contents: Data, at time: Date = Date()) throws -> Bool {
        let digest = SHA256.hash(data: contents).hex
        let detail = "\(path) sha256=\(digest)"
        return try database.pool.write { db in
            let last = try String.fetchOne(db, sql: "SELECT detail FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1",
                                           arguments: [AuditEntry.Action.configChanged.rawValue])
            guard last != detail else { return false }
            try Self.record(.configChanged, actor: "kioskd", detail: detail, at: time, in: db)
            return true
        }
    }

    public func entries() throws -> [AuditEntry] {
        try database.pool.read { try AuditEntry.order(Column("seq")).fetchAll($0) }
    }

    /// Walks the chain: every entry must follow the one before (no gap), point at its hash,
    /// and hash to what it says.
    public func verify() throws -> AuditVerification {
        try database.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, at, actor, action, detail, previousHash, hash FROM audit_log ORDER BY seq")
            var expectedSeq: Int64 = 1
            var previous = AuditEntry.genesis
            var count = 0
            while let row = try rows.next() {
                count += 1
                let seq: Int64 = row["seq"]
                let stored: String = row["hash"]
                guard seq == expectedSeq else {
                    return AuditVerification(entries: count, firstBreak: (expectedSeq, "entry #\(expectedSeq) is missing (removed)"))
                }
                guard row["previousHash"] == previous else {
                    return AuditVerification(entries: count, firstBreak: (seq, "does not follow the entry before (removed or reordered)"))
                }
                guard let action = AuditEntry.Action(rawValue: row["action"]),
                      AuditEntry.hash(seq: seq, at: row["at"], actor: row["actor"], action: action, detail: row["detail"],
                                      previousHash: previous) == stored else {
                    return AuditVerification(entries: count, firstBreak: (seq, "its content does not match its hash (edited)"))
                }
                previous = stored
                expectedSeq += 1
            }
            return AuditVerification(entries: count, firstBreak: nil)
        }
    }
}

extension KioskDatabase {
    /// The audit log.
    public var audit: AuditLog { AuditLog(database: self) }
}
