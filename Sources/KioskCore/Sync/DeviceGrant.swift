import Crypto
import Foundation
import GRDB

/// What an enrolled device is for, as the hub decided when it made the enrolment code. The
/// device cannot choose it: the hub sends and accepts only what the role needs.
public enum DeviceRole: String, Codable, Sendable, Hashable, CaseIterable {
    /// 配件柜台: stock movements, stocktakes and alerts; the catalogue and open jobs (no
    /// customer data); sign-in for clerks, managers and admins.
    case counter
    /// 工位: job moves (not delivery or cancelling); the catalogue and open jobs (no customer
    /// data); sign-in for technicians, service advisors, managers and admins.
    case bay
    /// 服务台 (the service desk): opens work orders and moves them, delivery and cancelling
    /// included; customers' phone numbers and VINs, sealed for this device.
    case desk
    /// 客休区 (the lobby kiosk): opens a work order when an appointment's code is scanned;
    /// stages and plates, appointments sealed for it; no staff, no phone-page links (the hub
    /// serves the phone page).
    case lobby
    /// A store's hub under a head office: passes on everything its store recorded.
    case store

    public var nameZh: String {
        switch self {
        case .counter: "配件柜台"
        case .bay: "工位"
        case .desk: "服务台"
        case .lobby: "客休区"
        case .store: "门店主机"
        }
    }

    /// The event kinds this device may send.
    public func mayPush(_ kind: SyncEvent.Kind) -> Bool {
        switch (self, kind) {
        case (.store, _): true
        case (.counter, .stockMovement), (.counter, .stocktake), (.counter, .stockAlert), (.counter, .delivery): true
        case (.bay, .jobTransition), (.bay, .partsRequest), (.bay, .workshopEvent): true
        case (.desk, .jobOpened), (.desk, .jobTransition), (.desk, .partsRequest): true
        case (.lobby, .jobOpened): true
        default: false
        }
    }

    /// Whether it may hand a job over or cancel it (the service desk's call).
    public var mayCloseJobs: Bool { self == .desk || self == .store }

    /// Whose PINs it may check offline (it gets a verifier for these roles only).
    public var signInRoles: Set<StaffRole> {
        switch self {
        case .counter: [.clerk, .manager, .admin]
        case .bay: [.technician, .serviceAdvisor, .manager, .admin]
        case .desk: [.serviceAdvisor, .manager, .admin]
        case .lobby, .store: []
        }
    }

    /// Whether it gets customers' phone numbers and VINs of work orders (sealed for it).
    public var seesCustomers: Bool { self == .desk || self == .store }
    /// Whether it gets appointments (with the customer's data sealed for it): it checks them in.
    public var seesAppointments: Bool { self == .desk || self == .lobby || self == .store }
    /// Whether it gets the phone-page links of work orders (it prints the customer's ticket).
    public var seesPhoneLinks: Bool { self == .desk || self == .store }
    /// Whether it gets the staff list (names and roles) and the catalogue.
    public var seesStaffAndCatalogue: Bool { self != .lobby }

    /// Reads `counter`, `bay`, `desk`, `lobby`, `store`.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// The secret a hub and one device share from enrolment: the device's PIN verifiers are keyed
/// with it (useless on another device or at the hub), and customers' data travels sealed with
/// it (unreadable to a proxy or a log on the way, and to the hub's PostgreSQL ledger).
public struct DeviceKey: Sendable {
    /// The 32 random bytes, as the hub gives them at enrolment (base64).
    public let secret: SymmetricKey
    let verifier: SymmetricKey
    let transport: SymmetricKey

    public init(secret: SymmetricKey) {
        self.secret = secret
        verifier = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Data("kioskd device PIN verifier v1".utf8), outputByteCount: 32)
        transport = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Data("kioskd device transport v1".utf8), outputByteCount: 32)
    }

    public init?(base64 text: String) {
        guard let data = Data(base64Encoded: text), data.count == 32 else { return nil }
        self.init(secret: SymmetricKey(data: data))
    }

    public static func random() -> DeviceKey { DeviceKey(secret: SymmetricKey(size: .bits256)) }

    public var base64: String { secret.withUnsafeBytes { Data($0) }.base64EncodedString() }

    /// Seals a value for the way between hub and device (AES-256-GCM, combined form, base64).
    public func seal<T: Encodable>(_ value: T) throws -> String {
        try AES.GCM.seal(try JSONEncoder().encode(value), using: transport).combined!.base64EncodedString()
    }

    /// Opens what ``seal(_:)`` sealed; throws when it was sealed with another key or altered.
    public func open<T: Decodable>(_ text: String, as type: T.Type) throws -> T {
        guard let data = Data(base64Encoded: text) else { throw DeviceKeyError.notSealed }
        let plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: transport)
        return try JSONDecoder().decode(T.self, from: plain)
    }

    /// A stand-in for a phone-page link the device must not have: unique per work order (the
    /// column is unique), and no link.
    func withheldLink(_ ticketCode: String) -> String {
        "withheld-" + HMAC<SHA256>.authenticationCode(for: Data(ticketCode.utf8), using: transport).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}

/// Why a sealed value could not be opened.
public enum DeviceKeyError: Error, Sendable, CustomStringConvertible {
    case notSealed
    case noKey(String)
    public var description: String {
        switch self {
        case .notSealed: "not a sealed value"
        case .noKey(let device):
            "设备 \(device) 没有共享密钥 / device \(device) has no shared key (enrolled before kioskd kept one): enrol it again (kioskd hub enrol \(device) --role …)"
        }
    }
}

/// A customer's phone number and VIN as they travel sealed.
struct SealedCustomerFields: Codable {
    var vin: String
    var phone: String
}

/// An enrolled device as the hub knows it: its role and the key it shares with the hub.
public struct DeviceGrant: Sendable {
    public var deviceID: String
    public var role: DeviceRole
    /// `nil` for a device enrolled before keys existed: it gets no PIN verifiers and no
    /// customer data until it enrols again.
    public var key: DeviceKey?
    /// The bay a bay device serves, as the hub fixed it at enrolment; `nil` for other devices
    /// and for a bay device enrolled before bays were fixed (its buttons' moves are refused).
    public var bay: String?

    /// The role of an enrolled device, `nil` when unknown.
    static func role(of deviceID: String, in db: Database) throws -> DeviceRole? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT role FROM hub_device WHERE deviceID = ?"), arguments: [deviceID]).flatMap(DeviceRole.init(rawValue:))
    }

    /// The grant of an enrolled device, `nil` when unknown.
    static func fetch(_ deviceID: String, key personal: PersonalDataKey, in db: Database) throws -> DeviceGrant? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT role, deviceKey, bay FROM hub_device WHERE deviceID = ?"),
                                         arguments: [deviceID]) else { return nil }
        let sealed: Data? = row["deviceKey"]
        let key = try sealed.map { try personal.open($0) }.flatMap { DeviceKey(base64: $0) }
        return DeviceGrant(deviceID: deviceID, role: DeviceRole(rawValue: row["role"]) ?? .counter, key: key, bay: row["bay"])
    }

    /// Why the hub refuses this event from this device, `nil` when it may be applied. The
    /// device is the token's, never the body's: a movement names its own device, a job move
    /// is made by a person whose role may make it, and delivering or cancelling is the
    /// service desk's.
    func refusal(of event: SyncEvent, in db: Database) throws -> String? {
        guard role.mayPush(event.kind) else {
            return "设备 \(deviceID)（\(role.nameZh)）不能发送 \(event.kind.rawValue) / device \(deviceID) (\(role.rawValue)) may not send \(event.kind.rawValue)"
        }
        if let m = event.movement, m.deviceID != deviceID, role != .store {
            return "移动记录属于设备 \(m.deviceID)，不是 \(deviceID) / the movement names device \(m.deviceID), not \(deviceID) that sent it"
        }
        if let e = event.workshopEvent, e.isDerived, role != .store {
            // Arrivals, clearances and pick-up notices the hub derives from what it applies:
            // a board cannot announce them (a pick-up notice reaches the customer).
            return "\(e.kind.rawValue) 由门店主机得出 / the hub derives \(e.kind.rawValue) itself from the moves and movements it applies: device \(deviceID) cannot send one"
        }
        if let o = event.order, role != .store, let refusal = try openedOrderRefusal(o, in: db) { return refusal }
        guard let t = event.transition, role != .store else { return nil }
        guard let from = t.fromState else { return try openingRefusal(t, in: db) }
        // A bay's own buttons move its job as "bay:<name>"; anyone else is a person with a badge.
        if t.actor.hasPrefix("bay:"), role == .bay { return try buttonRefusal(t, from: from, in: db) }
        let actor = try Row.fetchOne(db, sql: "SELECT role, pinHash FROM technician WHERE badge = ?", arguments: [t.actor])
        let actorRole = (actor?["role"] as String?).flatMap(StaffRole.init(rawValue:))
        let closing = t.toState == .delivered || t.toState == .cancelled
        if closing {
            guard role.mayCloseJobs else {
                return "交车或取消只能在服务台 / delivering or cancelling a job is done at the service desk, not on \(role.rawValue) \(deviceID)"
            }
            guard let actorRole, [.serviceAdvisor, .manager, .admin].contains(actorRole) else {
                return "\(t.actor) 无权交车或取消 / \(t.actor) may not deliver or cancel a job (it needs a service advisor, manager or admin)"
            }
        } else {
            guard let actorRole, [.technician, .serviceAdvisor, .manager, .admin].contains(actorRole) else {
                return "\(t.actor) 不是可以移动工单的员工 / \(t.actor) is not staff who may move jobs"
            }
        }
        // The person signed in on that device with their PIN: the move carries their proof.
        guard let stored: String = actor?["pinHash"], PINProof.verify(t, stored: stored) else {
            return "\(t.actor) 未在 \(deviceID) 上用密码登录做此操作 / the move names \(t.actor), but carries no proof that they signed in on \(deviceID) with their PIN"
        }
        return nil
    }

    /// Why the hub refuses a work order opened on this device. The lobby kiosk opens one only
    /// from an appointment the hub has and that has not opened another (the hub then takes the
    /// customer, vehicle and services from its appointment, and makes the phone link itself);
    /// the service desk's phone link must be one nobody can guess, as the desk makes them.
    private func openedOrderRefusal(_ o: OpenedOrder, in db: Database) throws -> String? {
        if role == .lobby {
            let o = try o.sealed != nil ? key.map { try o.openingCustomer(with: $0) } ?? o : o
            guard let appointment = try Self.appointment(for: o, in: db) else {
                return "客休区只能凭预约开单 / the lobby kiosk opens a work order only from an appointment the hub has: \(o.ticketCode) names "
                    + (o.appointment.map { "appointment \($0), which the hub does not have" } ?? "no appointment, and none unused at the hub has its plate and VIN")
            }
            if let used = appointment.ticketCode, used != o.ticketCode {
                return "预约 \(appointment.code) 已开单 \(used) / appointment \(appointment.code) opened \(used) already: it opens one work order"
            }
            return nil
        }
        guard Workshop.isPublicToken(o.publicToken) else {
            return "\(o.ticketCode) 的手机查询链接可被猜到 / \(o.ticketCode)'s phone-page link is not one kioskd makes (26 random letters and digits): a link that can be guessed shows the job to anyone"
        }
        return nil
    }

    /// The hub's appointment a work order opened at the lobby came from: the one it names, or,
    /// from a kiosk of before `appointment` was sent, the unused one with its plate and VIN.
    static func appointment(for o: OpenedOrder, in db: Database) throws -> Appointment? {
        if let code = o.appointment { return try Appointment.fetchOne(db, key: code) }
        return try Appointment.filter(Column("plate") == o.plate && Column("ticketCode") == nil).fetchAll(db).first { $0.vin == o.vin }
    }

    /// Why the hub refuses a job's opening move (no state before it) from this device. It is
    /// history only (the job's state comes from its opening), so it must be what an opening is:
    /// → checked in, from a device that opens jobs, for a job the hub has and that has no move
    /// yet. Anything else would write moves into a job's history that nobody made (a forged
    /// "delivered by the advisor" from a bay).
    private func openingRefusal(_ t: JobTransition, in db: Database) throws -> String? {
        guard role.mayPush(.jobOpened), t.toState == .checkedIn else {
            return "\(t.ticketCode)：没有起始状态的记录只能是开单（→ 已接车），且只能来自开单的设备 / a move with no state before it is a job's opening (→ checkedIn), "
                + "sent by a device that opens jobs: \(role.rawValue) \(deviceID) sent → \(t.toState.rawValue)"
        }
        guard try WorkOrder.exists(db, key: t.ticketCode) else {
            return "\(t.ticketCode) 在门店主机上不存在 / the hub has no work order \(t.ticketCode): its opening comes with the job (job.opened first)"
        }
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM job_transition WHERE ticketCode = ?)", arguments: [t.ticketCode]) == true {
            return "\(t.ticketCode) 已开单 / \(t.ticketCode) has its opening already: a second one is refused"
        }
        return nil
    }

    /// Why the hub refuses a move made by a bay's buttons ("bay:<name>"): a bay device's
    /// buttons move the job at its own bay (fixed at enrolment), as the bay's rules decide
    /// (``BayButtonRules``: the next state on the main path; never handing over, cancelling, or
    /// leaving a customer's quote unanswered), and never send the job to another bay.
    private func buttonRefusal(_ t: JobTransition, from: JobState, in db: Database) throws -> String? {
        let named = String(t.actor.dropFirst("bay:".count))
        guard let own = bay else {
            return "工位设备 \(deviceID) 注册时未指定工位 / bay device \(deviceID) was enrolled without its bay: its buttons' moves are refused until it enrols again "
                + "(kioskd hub enrol \(deviceID) --role bay --bay \(named.isEmpty ? "BAY-1" : named))"
        }
        guard named == own, t.bay == nil || t.bay == own else {
            return "工位设备 \(deviceID) 属于 \(own)，不能移动 \(t.bay ?? named) 的工单 / bay device \(deviceID) serves \(own): its buttons move only the job at \(own), "
                + "not as \(t.actor) at \(t.bay ?? "-")"
        }
        guard var job = try WorkOrder.fetchOne(db, key: t.ticketCode) else {
            return "\(t.ticketCode) 在门店主机上不存在 / the hub has no work order \(t.ticketCode)"
        }
        guard job.bay == own else {
            return "\(t.ticketCode) 不在 \(own) / \(t.ticketCode) is not at \(own) but at \(job.bay ?? "no bay"): \(own)'s buttons cannot move it"
        }
        // Decided as the bay decided it, from the state the move left (a job moved on at the hub
        // meanwhile is the apply's to refuse as stale).
        job.state = from
        switch BayButtonRules.decide(button: "advance", kind: .short, bay: own, job: job) {
        case let .advance(_, decidedFrom, decidedTo) where decidedFrom == from && decidedTo == t.toState:
            return nil
        case .refuse(let refusal):
            return "\(refusal)"
        default:
            return "工位按钮不能 \(from.rawValue) → \(t.toState.rawValue) / a bay's button moves \(t.ticketCode) from \(from.rawValue) to its next state only, not to \(t.toState.rawValue)"
        }
    }
}
