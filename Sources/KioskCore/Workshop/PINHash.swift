import Crypto
import CryptoExtras
import Foundation
import GRDB

/// A technician's PIN as stored: PBKDF2-HMAC-SHA256 with a random salt and enough rounds
/// that a stolen database does not give the PINs away quickly.
/// Format: `pbkdf2-sha256$<rounds>$<salt, base64>$<hash, base64>`.
public enum PINHash {
    /// The minimum swift-crypto allows, and OWASP's figure for PBKDF2-HMAC-SHA256 was higher;
    /// on a shop-floor board this costs a fraction of a second per check.
    public static let rounds = 210_000

    /// 4 to 8 digits.
    public static func validate(_ pin: String) throws(WorkshopError) {
        guard (4...8).contains(pin.count), pin.allSatisfy(\.isASCIIDigit) else {
            throw .invalidField("PIN", "use 4 to 8 digits")
        }
    }

    public static func make(_ pin: String) throws -> String {
        try validate(pin)
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: .min ... .max, using: &generator) }
        let key = try derive(pin, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(key.base64EncodedString())"
    }

    /// Whether `pin` matches the stored hash (compared in constant time). A device checks a
    /// verifier the hub made for it (`kd-device-v1$…`) with the key it shares with the hub.
    public static func verify(_ pin: String, against stored: String, deviceKey: DeviceKey? = nil) -> Bool {
        provenKey(pin, against: stored, deviceKey: deviceKey) != nil
    }

    /// What PBKDF2 makes of a right `pin` (the key of ``PINProof``), `nil` for a wrong one. On
    /// the hub it equals the stored hash; a device holds only a keyed verifier of it.
    static func provenKey(_ pin: String, against stored: String, deviceKey: DeviceKey? = nil) -> Data? {
        let parts = stored.split(separator: "$")
        if parts.count == 4, parts[0] == deviceVerifierPrefix {
            guard let deviceKey, let rounds = Int(parts[1]), let salt = Data(base64Encoded: String(parts[2])),
                  let expected = Data(base64Encoded: String(parts[3])),
                  let derived = try? derive(pin, salt: [UInt8](salt), rounds: rounds) else { return nil }
            let actual = Data(HMAC<SHA256>.authenticationCode(for: derived, using: deviceKey.verifier))
            return actual.count == expected.count && zip(actual, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 ? derived : nil
        }
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]),
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              let actual = try? derive(pin, salt: [UInt8](salt), rounds: rounds), actual.count == expected.count else { return nil }
        return zip(actual, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 ? actual : nil
    }

    static let deviceVerifierPrefix = "kd-device-v1"

    /// What a device gets instead of the hub's hash: the same salt and rounds, and an HMAC of
    /// the PBKDF2 result keyed for that device. It checks PINs on that device only; it is not
    /// the hub's hash, and another device's verifier of the same PIN differs.
    public static func deviceVerifier(from stored: String, key: DeviceKey) -> String? {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", Int(parts[1]) != nil,
              let hash = Data(base64Encoded: String(parts[3])) else { return nil }
        let mac = Data(HMAC<SHA256>.authenticationCode(for: hash, using: key.verifier))
        return "\(deviceVerifierPrefix)$\(parts[1])$\(parts[2])$\(mac.base64EncodedString())"
    }

    /// A hash of no PIN anyone has, checked for unknown badges so that they take as long as
    /// known ones.
    static let decoy: String = {
        let salt = Data(repeating: 0x5A, count: 16)
        let key = (try? derive("00000000", salt: [UInt8](salt), rounds: rounds)) ?? Data(count: 32)
        return "pbkdf2-sha256$\(rounds)$\(salt.base64EncodedString())$\(key.base64EncodedString())"
    }()

    static func derive(_ pin: String, salt: [UInt8], rounds: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(pin.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}

extension Workshop {
    /// Sets (or replaces) a technician's PIN.
    public func setPIN(badge: String, pin: String, actor: String) throws {
        let hash = try PINHash.make(pin)
        try database.pool.write { db in
            guard var technician = try Technician.fetchOne(db, key: badge) else { throw WorkshopError.unknownTechnician(badge) }
            technician.pinHash = hash
            try technician.update(db)
            try AuditLog.record(.pinSet, actor: actor, detail: "badge \(badge)", at: Date(), in: db)
            try StaffAccess.endSessions(of: badge, because: "PIN changed", actor: actor, at: Date(), in: db)
        }
    }

    /// Checks a badge number and PIN typed at a touch page. A technician without a PIN set
    /// cannot identify by PIN (only by scanning the badge).
    ///
    /// After ``PINLockout/maxFailures`` wrong PINs in a row the badge is locked, each lock in a
    /// row longer than the one before (``PINLockout/lockDuration(lockout:)``); the lock is kept in
    /// the store (a restart does not unlock it) and written to the audit log with its number in
    /// the row. A right PIN resets the count; a manager can lift a lock (``unlockPIN(badge:actor:at:)``).
    ///
    /// An unknown badge, or one without a PIN, costs the same hash as a known one before it is
    /// refused: the time of the answer does not tell which badges exist.
    public func verifyPIN(badge: String, pin: String, at time: Date = Date()) throws -> Bool {
        try provePIN(badge: badge, pin: pin, at: time) != nil
    }

    /// The key of a person's ``PINProof`` from their PIN (checked as ``verifyPIN(badge:pin:at:)``
    /// does, lockout included); `nil` for a wrong PIN.
    public func pinKey(badge: String, pin: String, at time: Date = Date()) throws -> Data? {
        try provePIN(badge: badge, pin: pin, at: time)
    }

    /// ``verifyPIN(badge:pin:at:)``, giving the key of the person's ``PINProof`` when right.
    func provePIN(badge: String, pin: String, at time: Date = Date()) throws -> Data? {
        let technician = try database.pool.read { try Technician.fetchOne($0, key: badge) }
        guard let stored = technician?.pinHash else {
            _ = PINHash.verify(pin, against: PINHash.decoy)
            if technician == nil { throw WorkshopError.unknownTechnician(badge) }
            return nil
        }
        // Check the lock and count this attempt in one write transaction, before the slow
        // hash: an attempt counts as a failure until it is proved right. Guesses sent side by
        // side then cannot all pass the check before any of them is counted; a badge has at
        // most `maxFailures` attempts in flight or failed before the lock.
        try database.pool.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT failures, lockedUntil FROM pin_attempt WHERE badge = ?", arguments: [badge])
            if let until: Date = row?["lockedUntil"], until > time { throw WorkshopError.pinLocked(badge, until: until) }
            let failures: Int = row?["failures"] ?? 0
            guard failures < PINLockout.maxFailures else { throw WorkshopError.pinAttemptsInProgress(badge) }
            try db.execute(sql: """
                INSERT INTO pin_attempt (badge, failures, lockedUntil) VALUES (?, 1, NULL)
                ON CONFLICT (badge) DO UPDATE SET failures = failures + 1, lockedUntil = NULL
                """, arguments: [badge])
        }
        let deviceKey = stored.hasPrefix(PINHash.deviceVerifierPrefix) ? try database.outbox.deviceKey() : nil
        let proven = PINHash.provenKey(pin, against: stored, deviceKey: deviceKey)
        let right = proven != nil
        try database.pool.write { db in
            if right {
                try db.execute(sql: "DELETE FROM pin_attempt WHERE badge = ?", arguments: [badge])
                return
            }
            // This attempt was counted before the hash. Lock once the count reaches the limit,
            // unless an attempt checked alongside this one has locked the badge already.
            let row = try Row.fetchOne(db, sql: "SELECT failures, lockedUntil, lockouts FROM pin_attempt WHERE badge = ?", arguments: [badge])
            if let until: Date = row?["lockedUntil"], until > time { return }
            let failures: Int = row?["failures"] ?? 1
            guard failures >= PINLockout.maxFailures else { return }
            let lockout = (row?["lockouts"] as Int? ?? 0) + 1
            let duration = PINLockout.lockDuration(lockout: lockout)
            try db.execute(sql: """
                INSERT INTO pin_attempt (badge, failures, lockedUntil, lockouts) VALUES (?, 0, ?, ?)
                ON CONFLICT (badge) DO UPDATE SET failures = 0, lockedUntil = excluded.lockedUntil, lockouts = excluded.lockouts
                """, arguments: [badge, time.addingTimeInterval(duration), lockout])
            try AuditLog.record(.pinLocked, actor: badge,
                                detail: "\(PINLockout.maxFailures) wrong PINs: locked for \(Int(duration / 60)) min (lockout \(lockout) in a row)",
                                at: time, in: db)
        }
        return proven
    }

    /// Lifts a badge's PIN lock (a manager, after checking with the person). The count of
    /// lockouts in a row stays, so the next lock still lasts longer; audited.
    public func unlockPIN(badge: String, actor: String, at time: Date = Date()) throws {
        try database.pool.write { db in
            guard try Technician.exists(db, key: badge) else { throw WorkshopError.unknownTechnician(badge) }
            try db.execute(sql: "UPDATE pin_attempt SET failures = 0, lockedUntil = NULL WHERE badge = ?", arguments: [badge])
            try AuditLog.record(.pinUnlocked, actor: actor, detail: "badge \(badge)", at: time, in: db)
        }
    }

    /// Every badge with a PIN lock now or wrong PINs counted: when the lock ends and how many
    /// lockouts it has had in a row (the manager's staff view).
    public func pinLocks(at time: Date = Date()) throws -> [String: PINLockState] {
        try database.pool.read { db in
            var locks: [String: PINLockState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT badge, failures, lockedUntil, lockouts FROM pin_attempt") {
                let until: Date? = row["lockedUntil"]
                locks[row["badge"]] = PINLockState(lockedUntil: until.flatMap { $0 > time ? $0 : nil }, failures: row["failures"], lockouts: row["lockouts"])
            }
            return locks
        }
    }
}

/// A badge's PIN lock as the manager sees it.
public struct PINLockState: Sendable, Hashable, Codable {
    /// When the lock ends; `nil` when not locked now.
    public var lockedUntil: Date?
    /// Wrong PINs since the last lock or right PIN.
    public var failures: Int
    /// Locks in a row since the last right PIN.
    public var lockouts: Int
}

/// How many wrong PINs lock a badge, and for how long.
public enum PINLockout {
    public static let maxFailures = 5
    /// The first lock in a row lasts 5 minutes, each further one three times as long, at most
    /// 4 hours: guessing slows down fast, while a badge someone locks by mistake is soon free.
    public static func lockDuration(lockout: Int) -> TimeInterval {
        var minutes = 5.0
        for _ in 1..<max(1, lockout) { minutes *= 3 }
        return min(minutes, 4 * 60) * 60
    }
}

/// A person's proof that they made a job move: HMAC-SHA256 of the move, keyed with what PBKDF2
/// makes of their PIN. The page's session holds that key (from the sign-in); the hub holds it
/// as the person's stored hash and checks the proof, so a board that was stolen, or pushes in
/// someone else's name, cannot make one for a person who did not sign in there.
public enum PINProof {
    static func message(_ t: JobTransition) -> Data {
        Data("kioskd job move v1|\(t.id.uuidString)|\(t.ticketCode)|\(t.fromState?.rawValue ?? "")|\(t.toState.rawValue)|\(t.actor)".utf8)
    }

    /// The proof of `transition` with a person's PIN key.
    static func sign(_ transition: JobTransition, key: Data) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: message(transition), using: SymmetricKey(data: key))).base64EncodedString()
    }

    /// Whether `transition` carries a proof made with the PIN behind `stored` (the hub's hash).
    static func verify(_ transition: JobTransition, stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard let proof = transition.proof.flatMap({ Data(base64Encoded: $0) }), parts.count == 4, parts[0] == "pbkdf2-sha256",
              let key = Data(base64Encoded: String(parts[3])) else { return false }
        let expected = Data(HMAC<SHA256>.authenticationCode(for: message(transition), using: SymmetricKey(data: key)))
        return proof.count == expected.count && zip(proof, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
