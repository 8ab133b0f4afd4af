import Crypto
import Foundation
import GRDB

/// What a person may do (权限). Everyone on the staff list has one role; the public kiosk is
/// what anyone without a session is.
public enum StaffRole: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// 配件员: scans at the parts counter, looks up stock, runs stocktakes.
    case clerk
    /// 技师: moves jobs at the bays, clocks on and off, calls for parts.
    case technician
    /// 服务顾问: opens and delivers work orders, sees the customer's phone number and VIN.
    case serviceAdvisor = "service_advisor"
    /// 店长/经理: everything in the shop, reports and the audit log.
    case manager
    /// 管理员: staff and their roles, on top of the manager's rights.
    case admin

    public var nameZh: String {
        switch self {
        case .clerk: "配件员"
        case .technician: "技师"
        case .serviceAdvisor: "服务顾问"
        case .manager: "经理"
        case .admin: "管理员"
        }
    }

    public static func < (a: StaffRole, b: StaffRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Reads `clerk`, `technician`, `service_advisor` (or `service-advisor`, `advisor`), `manager`, `admin`.
    public init?(argument: String) {
        let text = argument.lowercased().replacingOccurrences(of: "-", with: "_")
        if let role = StaffRole(rawValue: text) { self = role } else if text == "advisor" { self = .serviceAdvisor } else { return nil }
    }
}

/// A signed-in person at a touch page or browser: who, with which role, and the token the
/// page must send back with every change (CSRF).
public struct StaffSession: Sendable, Hashable, Codable {
    public var badge: String
    public var name: String
    public var role: StaffRole
    /// Sent by the page in `X-CSRF-Token` with every request that changes something; another
    /// site cannot read it, so it cannot forge such a request with the person's cookie.
    public var csrfToken: String
    public var expiresAt: Date
}

/// Why a sign-in or a role change was refused.
public enum AccessError: Error, Sendable, Hashable, CustomStringConvertible {
    case wrongBadgeOrPIN
    case unknownRole(String)
    case lastAdmin(String)

    public var description: String {
        switch self {
        case .wrongBadgeOrPIN:
            "工号或密码错误（或未设置密码）/ wrong badge or PIN (no PIN set? ask the manager to run kioskd technicians set-pin)"
        case .unknownRole(let text):
            "未知角色 \(text) / unknown role \"\(text)\": use \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))"
        case .lastAdmin(let badge):
            "\(badge) 是最后一位管理员 / \(badge) is the last admin: give another person the admin role first"
        }
    }
}

/// Staff roles and sign-in sessions. Sessions are kept in the store by the SHA-256 of their
/// token (a copy of the file does not give a usable cookie) and last one shift.
public struct StaffAccess: Sendable {
    let database: KioskDatabase

    /// How long a session lasts after sign-in: one shift.
    public static let sessionLifetime: TimeInterval = 12 * 3600

    /// Checks the badge and PIN (with the PIN lockout) and opens a session. Returns the cookie
    /// value and the session. Written to the audit log.
    public func signIn(badge: String, pin: String, at time: Date = Date()) throws -> (token: String, session: StaffSession) {
        let proven: Data?
        do {
            proven = try database.workshop.provePIN(badge: badge, pin: pin, at: time)
        } catch WorkshopError.unknownTechnician {
            throw AccessError.wrongBadgeOrPIN
        }
        guard let proven else { throw AccessError.wrongBadgeOrPIN }
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let expires = time.addingTimeInterval(Self.sessionLifetime)
        let session: StaffSession = try database.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT name, role FROM technician WHERE badge = ?", arguments: [badge]),
                  let role = StaffRole(rawValue: row["role"]) else { throw AccessError.wrongBadgeOrPIN }
            try db.execute(sql: "DELETE FROM staff_session WHERE expiresAt <= ?", arguments: [time])
            try db.execute(sql: """
                INSERT INTO staff_session (tokenHash, badge, csrfToken, createdAt, expiresAt, pinKey) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [Self.hash(token), badge, csrf, time, expires, try database.personalData.seal(proven.base64EncodedString())])
            try AuditLog.record(.signedIn, actor: badge, detail: "role \(role.rawValue)", at: time, in: db)
            return StaffSession(badge: badge, name: row["name"], role: role, csrfToken: csrf, expiresAt: expires)
        }
        return (token, session)
    }

    /// The live session of a cookie value, with the person's role as it is now (a role changed
    /// by the admin applies at once); `nil` when unknown, signed out or expired.
    public func session(token: String, at time: Date = Date()) throws -> StaffSession? {
        guard !token.isEmpty, token.count <= 128 else { return nil }
        return try database.pool.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT staff_session.csrfToken, staff_session.expiresAt, technician.badge, technician.name, technician.role
                FROM staff_session JOIN technician USING (badge) WHERE tokenHash = ?
                """), arguments: [Self.hash(token)]) else { return nil }
            let expires: Date = row["expiresAt"]
            guard expires > time, let role = StaffRole(rawValue: row["role"]) else { return nil }
            return StaffSession(badge: row["badge"], name: row["name"], role: role, csrfToken: row["csrfToken"], expiresAt: expires)
        }
    }

    /// The PIN key of a live session (sealed in the store while it lasts), for the
    /// ``PINProof`` of the person's job moves; `nil` for an unknown or expired session.
    public func proofKey(token: String, at time: Date = Date()) throws -> Data? {
        guard !token.isEmpty, token.count <= 128 else { return nil }
        let sealed = try database.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT pinKey FROM staff_session WHERE tokenHash = ? AND expiresAt > ?", arguments: [Self.hash(token), time])
        }
        return try sealed.map { try database.personalData.open($0) }.flatMap { Data(base64Encoded: $0) }
    }

    /// Ends a session (the page's sign-out).
    public func signOut(token: String, at time: Date = Date()) throws {
        try database.pool.write { db in
            guard let badge = try String.fetchOne(db, sql: "SELECT badge FROM staff_session WHERE tokenHash = ?", arguments: [Self.hash(token)]) else { return }
            try db.execute(sql: "DELETE FROM staff_session WHERE tokenHash = ?", arguments: [Self.hash(token)])
            try AuditLog.record(.signedOut, actor: badge, detail: "", at: time, in: db)
        }
    }

    /// Gives a person a role; written to the audit log with who did it. The last admin cannot
    /// be demoted (nobody could manage roles any more).
    public func setRole(badge: String, to role: StaffRole, actor: String, at time: Date = Date()) throws {
        try database.pool.write { db in
            guard let old = try String.fetchOne(db, sql: "SELECT role FROM technician WHERE badge = ?", arguments: [badge]) else {
                throw WorkshopError.unknownTechnician(badge)
            }
            guard old != role.rawValue else { return }
            if old == StaffRole.admin.rawValue {
                let admins = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM technician WHERE role = 'admin'") ?? 0
                if admins <= 1 { throw AccessError.lastAdmin(badge) }
            }
            try db.execute(sql: "UPDATE technician SET role = ? WHERE badge = ?", arguments: [role.rawValue, badge])
            try AuditLog.record(.roleChanged, actor: actor, detail: "badge \(badge): \(old) → \(role.rawValue)", at: time, in: db)
            try Self.endSessions(of: badge, because: "role changed", actor: actor, at: time, in: db)
        }
    }

    /// Everyone on the staff list with their role, by badge.
    public func staff() throws -> [(badge: String, name: String, role: StaffRole)] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT badge, name, role FROM technician ORDER BY badge").map {
                (badge: $0["badge"], name: $0["name"], role: StaffRole(rawValue: $0["role"]) ?? .technician)
            }
        }
    }

    /// Ends every session of a badge (its PIN or role changed, or the person left): the next
    /// request with such a cookie must sign in again. Audited when a session was open.
    static func endSessions(of badge: String, because reason: String, actor: String, at time: Date, in db: Database) throws {
        try db.execute(sql: "DELETE FROM staff_session WHERE badge = ?", arguments: [badge])
        let ended = db.changesCount
        guard ended > 0 else { return }
        try AuditLog.record(.sessionsEnded, actor: actor, detail: "badge \(badge): \(ended) session(s) ended, \(reason)", at: time, in: db)
    }

    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }
}

extension KioskDatabase {
    /// Staff roles and sign-in sessions.
    public var access: StaffAccess { StaffAccess(database: self) }
}
