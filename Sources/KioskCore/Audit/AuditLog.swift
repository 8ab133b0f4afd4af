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
        /// The log was anchored for the first time with entries already in it (a store from
        /// before anchoring), or again after its anchor went missing (see ``AuditLog``).
        case auditAnchored = "audit.anchored"
        /// A service advisor quoted extra work; the customer answered it on the phone page.
        case quoteMade = "job.quote_made"
        case quoteAnswered = "job.quote_answered"
        /// Webhook deliveries on the dead-letter list were sent again.
        case webhooksReplayed = "webhooks.replayed"
        /// A board's receipt of a carton another counter received first: booked back out here.
        case transferReceiptVoided = "stock.transfer_receipt_voided"
        case purchaseOrderCancelled = "purchase.order_cancelled"
        case stockReturnedToSupplier = "stock.returned_to_supplier"
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

extension AuditHead: CustomStringConvertible {
    public var description: String { "#\(seq) \(hash)" }
}

/// What ``AuditLog/verify()`` found.
public struct AuditVerification: Sendable, Hashable, CustomStringConvertible {
    public var entries: Int
    /// The first entry that does not fit the chain or its anchor, and why; `nil` when the log
    /// is whole.
    public var firstBreak: (seq: Int64, reason: String)?
    /// The head the anchor vouches for, when the anchor verifies with this store's key;
    /// `nil` for an empty log that has never been anchored, or an anchor that does not verify.
    public var anchoredHead: AuditHead?

    public static func == (a: AuditVerification, b: AuditVerification) -> Bool {
        a.entries == b.entries && a.firstBreak?.seq == b.firstBreak?.seq && a.firstBreak?.reason == b.firstBreak?.reason
            && a.anchoredHead == b.anchoredHead
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(entries); hasher.combine(firstBreak?.seq) }

    public var isIntact: Bool { firstBreak == nil }

    public var description: String {
        guard let firstBreak else {
            let anchor = anchoredHead.map { "anchored at #\($0.seq)" } ?? "empty"
            return "审计日志完整 audit log intact: \(entries) entries, chain verified, \(anchor)"
        }
        return "审计日志被改动 audit log tampered with at entry #\(firstBreak.seq): \(firstBreak.reason)"
    }
}

/// An append-only, hash-chained log of security-relevant actions, anchored with a key.
///
/// Each entry carries the hash of the one before, so editing, removing or reordering any
/// entry breaks the chain from there on; the database also refuses UPDATE and DELETE on the
/// table (triggers). A chain alone cannot show that its newest entries were removed, so the
/// head (sequence and hash of the newest entry) is anchored: `kiosk_meta`'s `audit_anchor`
/// holds the head and an HMAC-SHA256 of it under the audit key, which is derived from the
/// personal-data key (``PersonalDataKey``) and never stored in the database. Every entry
/// moves the anchor in its own transaction. ``verify()`` finds a log cut short (the anchor
/// names entries that are gone), entries written after the anchor by someone without the key,
/// and an anchor that does not verify (forged, or made with another key).
///
/// A store that already had entries before anchoring existed is anchored when it is opened
/// (``KioskDatabase/open(at:durability:key:)``), with an ``AuditEntry/Action/auditAnchored``
/// entry saying so: entries up to then are vouched for by the chain alone. The same happens
/// if the anchor is ever removed, and ``verify()`` reports a second such entry, so removing
/// the anchor to hide a cut leaves a trace. What the store alone cannot show is a cut back
/// past the first anchoring together with the anchor's removal, or the whole file put back to
/// an older copy: that is what the head kept outside (``head()``, the hub, backups) is for.
public struct AuditLog: Sendable {
    let database: KioskDatabase

    /// The `kiosk_meta` row that holds the anchor: "<seq> <hash> <tag>".
    static let anchorName = "audit_anchor"

    /// Appends an entry in its own transaction.
    @discardableResult
    public func record(_ action: AuditEntry.Action, actor: String, detail: String, at time: Date = Date()) throws -> AuditEntry {
        try database.pool.write { try Self.record(action, actor: actor, detail: detail, at: time, in: $0) }
    }

    /// Appends an entry inside the caller's transaction (the change it records commits with
    /// it), and moves the anchor to it. The connection must hold the key (`kd_audit_anchor`,
    /// installed on every connection of ``KioskDatabase``).
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
        try anchor(AuditHead(seq: seq, hash: entry.hash), in: db)
        return entry
    }

    /// Writes the anchor of `head`, tagged with the connection's audit key.
    static func anchor(_ head: AuditHead, in db: Database) throws {
        let tag = try String.fetchOne(db.cachedStatement(sql: "SELECT kd_audit_anchor(?, ?)"), arguments: [head.seq, head.hash])
        try KioskMeta.set(anchorName, "\(head.seq) \(head.hash) \(tag ?? "")", in: db)
    }

    /// Anchors a log that has entries but no anchor (a store from before anchoring, or one
    /// whose anchor was removed) with an ``AuditEntry/Action/auditAnchored`` entry; an empty
    /// log is left as it is (its first entry anchors it). Run in a write transaction when the
    /// store is opened.
    static func anchorIfMissing(at time: Date = Date(), in db: Database) throws {
        guard try KioskMeta.value(anchorName, in: db) == nil, let head = try head(in: db) else { return }
        try record(.auditAnchored, actor: "kioskd",
                   detail: "首次锚定 anchored at #\(head.seq + 1): the \(head.seq) entries before had no anchor (written before kioskd anchored its audit log, or the anchor was removed)",
                   at: time, in: db)
    }

    /// The newest entry's sequence and hash (`nil` for an empty log), for keeping outside
    /// the store: the hub records it, and each backup's manifest carries it.
    public func head() throws -> AuditHead? {
        try database.pool.read { try Self.head(in: $0) }
    }

    static func head(in db: Database) throws -> AuditHead? {
        try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").map { AuditHead(seq: $0["seq"], hash: $0["hash"]) }
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

    /// Walks the chain, then checks it against its anchor: every entry must follow the one
    /// before (no gap), point at its hash and hash to what it says; the anchor must verify with
    /// this store's key and name the newest entry. A log with entries and no anchor, or
    /// anchored more than once, is reported too (see ``AuditLog``).
    public func verify() throws -> AuditVerification {
        let key = database.personalData
        return try database.pool.read { db in
            // The anchor first, so that the walk can pick up the hash of the entry it names.
            let anchorText = try KioskMeta.value(Self.anchorName, in: db)
            var anchor: (head: AuditHead, tag: String)?
            if let anchorText {
                let fields = anchorText.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                if fields.count == 3, let seq = Int64(fields[0]) { anchor = (AuditHead(seq: seq, hash: fields[1]), fields[2]) }
            }
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, at, actor, action, detail, previousHash, hash FROM audit_log ORDER BY seq")
            var expectedSeq: Int64 = 1
            var previous = AuditEntry.genesis
            var count = 0
            var anchoredHash: String?
            var anchorings: [Int64] = []
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
                if action == .auditAnchored { anchorings.append(seq) }
                if seq == anchor?.head.seq { anchoredHash = stored }
                previous = stored
                expectedSeq += 1
            }
            let head = AuditHead(seq: expectedSeq - 1, hash: previous)
            func broken(_ seq: Int64, _ reason: String, anchored: AuditHead? = nil) -> AuditVerification {
                AuditVerification(entries: count, firstBreak: (seq, reason), anchoredHead: anchored)
            }
            guard let anchorText else {
                if count == 0 { return AuditVerification(entries: 0, firstBreak: nil) }
                return broken(head.seq, "锚点缺失 the anchor is missing (removed from kiosk_meta): entries may have been removed with it; kioskd anchors the log again when the store is next opened, and that shows as a second audit.anchored entry")
            }
            guard let anchor, key.auditAnchorTag(seq: anchor.head.seq, hash: anchor.head.hash).constantTimeEquals(anchor.tag) else {
                return broken(head.seq + 1, "锚点无法验证 the anchor (\(anchorText.prefix(80))) does not verify: forged, or made with another personal-data key")
            }
            if anchor.head.seq > head.seq {
                let missing = head.seq + 1 == anchor.head.seq ? "#\(anchor.head.seq) is" : "#\(head.seq + 1)…#\(anchor.head.seq) are"
                return broken(head.seq + 1, "日志被截短 entries \(missing) missing: the log was cut short (its newest entries removed); the anchor holds #\(anchor.head.seq)",
                              anchored: anchor.head)
            }
            guard anchoredHash == anchor.head.hash else {
                return broken(anchor.head.seq, "不是锚定的条目 it is not the entry the anchor holds (replaced)", anchored: anchor.head)
            }
            if anchor.head.seq < head.seq {
                return broken(anchor.head.seq + 1, "未锚定 entries #\(anchor.head.seq + 1)…#\(head.seq) come after the anchor: written by someone without the audit key (or by an older kioskd)",
                              anchored: anchor.head)
            }
            if anchorings.count > 1 {
                return broken(anchorings[1], "重新锚定 the log was anchored again here: its anchor had gone missing (removed?), and newest entries may have gone with it",
                              anchored: anchor.head)
            }
            return AuditVerification(entries: count, firstBreak: nil, anchoredHead: anchor.head)
        }
    }
}

extension KioskDatabase {
    /// The audit log.
    public var audit: AuditLog { AuditLog(database: self) }
}
