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

    /// Whether `pin` matches the stored hash (compared in constant time).
    public static func verify(_ pin: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]),
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
              let actual = try? derive(pin, salt: [UInt8](salt), rounds: rounds), actual.count == expected.count else { return false }
        return zip(actual, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func derive(_ pin: String, salt: [UInt8], rounds: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(pin.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}

extension Workshop {
    /// Sets (or replaces) a technician's PIN.
    public func setPIN(badge: String, pin: String, actor: String = "admin") throws {
        let hash = try PINHash.make(pin)
        try database.pool.write { db in
            guard var technician = try Technician.fetchOne(db, key: badge) else { throw WorkshopError.unknownTechnician(badge) }
            technician.pinHash = hash
            try technician.update(db)
            try AuditLog.record(.pinSet, actor: actor, detail: "badge \(badge)", at: Date(), in: db)
        }
    }

    /// Checks a badge number and PIN typed at a touch page. A technician without a PIN set
    /// cannot identify by PIN (only by scanning the badge).
    ///
    /// After ``PINLockout/maxFailures`` wrong PINs in a row the badge is locked for
    /// ``PINLockout/lockDuration`` (kept in the store, so a restart does not unlock it); the
    /// lock is written to the audit log. A right PIN resets the count.
    public func verifyPIN(badge: String, pin: String, at time: Date = Date()) throws -> Bool {
        guard let technician = try database.pool.read({ try Technician.fetchOne($0, key: badge) }) else {
            throw WorkshopError.unknownTechnician(badge)
        }
        guard let stored = technician.pinHash else { return false }
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
        let right = PINHash.verify(pin, against: stored)
        try database.pool.write { db in
            if right {
                try db.execute(sql: "DELETE FROM pin_attempt WHERE badge = ?", arguments: [badge])
                return
            }
            // This attempt was counted before the hash. Lock once the count reaches the limit,
            // unless an attempt checked alongside this one has locked the badge already.
            let row = try Row.fetchOne(db, sql: "SELECT failures, lockedUntil FROM pin_attempt WHERE badge = ?", arguments: [badge])
            if let until: Date = row?["lockedUntil"], until > time { return }
            let failures: Int = row?["failures"] ?? 1
            guard failures >= PINLockout.maxFailures else { return }
            try db.execute(sql: """
                INSERT INTO pin_attempt (badge, failures, lockedUntil) VALUES (?, 0, ?)
                ON CONFLICT (badge) DO UPDATE SET failures = 0, lockedUntil = excluded.lockedUntil
                """, arguments: [badge, time.addingTimeInterval(PINLockout.lockDuration)])
            try AuditLog.record(.pinLocked, actor: badge, detail: "\(PINLockout.maxFailures) wrong PINs: locked for \(Int(PINLockout.lockDuration / 60)) min", at: time, in: db)
        }
        return right
    }
}

/// How many wrong PINs lock a badge, and for how long.
public enum PINLockout {
    public static let maxFailures = 5
    public static let lockDuration: TimeInterval = 15 * 60
}
