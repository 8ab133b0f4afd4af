import Crypto
import Foundation
import GRDB

/// A service the customer asked for, with its standard hours (标准工时) when known.
public struct ServiceItem: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var standardHours: Double?
    public init(code: String, name: String, standardHours: Double? = nil) {
        self.code = code
        self.name = name
        self.standardHours = standardHours
    }

    /// Services as the store keeps them: a JSON array.
    static func json(_ services: [ServiceItem]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(services), as: UTF8.self)
    }
}

/// A part a bay waits for.
public struct RequestedPart: Codable, Sendable, Hashable {
    public var partNumber: String
    public var quantity: Int
    public init(partNumber: String, quantity: Int) {
        self.partNumber = partNumber
        self.quantity = quantity
    }
}

/// A work order (工单): one vehicle's visit to the workshop.
public struct WorkOrder: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "work_order"
    /// The phone number and VIN are opened from their sealed columns as they are fetched.
    public static var databaseSelection: [any SQLSelectable] { SealedCustomer.selection }

    /// The ticket code staff use (工单号), e.g. `WO2026-0001`.
    public var ticketCode: String
    /// The long random token in the customer's phone link: cannot be guessed from the ticket.
    public var publicToken: String
    public var plate: String
    public var vin: String
    public var customerPhone: String
    public var services: [ServiceItem]
    public var promisedAt: Date?
    public var bay: String?
    public var state: JobState
    public var stateSince: Date
    public var openedAt: Date

    /// The customer id of the store's data standard: phone + VIN.
    public var customerID: String { "\(customerPhone)+\(vin)" }

    /// The plate as public screens show it: province and letter, then only the last two.
    public var maskedPlate: String { Self.mask(plate: plate) }

    public var standardHours: Double { services.compactMap(\.standardHours).reduce(0, +) }

    /// The stored columns: everything but the customer's phone number and VIN, which are
    /// sealed (see ``SealedCustomerRecord``).
    public func encode(to container: inout PersistenceContainer) throws {
        container["ticketCode"] = ticketCode
        container["publicToken"] = publicToken
        container["plate"] = plate
        container["services"] = try ServiceItem.json(services)
        container["promisedAt"] = promisedAt
        container["bay"] = bay
        container["state"] = state.rawValue
        container["stateSince"] = stateSince
        container["openedAt"] = openedAt
    }

    /// `粤B12345` → `粤B·***45`.
    public static func mask(plate: String) -> String {
        let chars = Array(plate.replacingOccurrences(of: "·", with: "").replacingOccurrences(of: " ", with: ""))
        guard chars.count > 4 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(2)) + "·***" + String(chars.suffix(2))
    }
}

/// One state change of a job, as it happened: the fact behind every duration and report.
public struct JobTransition: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_transition"
    public var id: UUID
    public var ticketCode: String
    public var fromState: JobState?
    public var toState: JobState
    public var actor: String
    public var bay: String?
    public var at: Date
    public var reason: String?
    /// The actor's proof that they made this move (``PINProof``): set for moves made by a
    /// signed-in person, checked by the hub.
    public var proof: String? = nil
}

/// A technician (技师) with the badge number (工号) printed on the badge.
public struct Technician: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "technician"
    public var badge: String
    public var name: String
    /// The PIN typed at a touch page, stored only as a slow hash (see ``PINHash``).
    public var pinHash: String?
    /// What the person may do at the pages (see ``StaffRole``); technicians by default.
    public var role: StaffRole
    public init(badge: String, name: String, pinHash: String? = nil, role: StaffRole = .technician) {
        self.badge = badge
        self.name = name
        self.pinHash = pinHash
        self.role = role
    }
}

/// A technician clocked onto a job at a bay, from `onAt` until `offAt`.
public struct JobClock: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_clock"
    public var id: UUID
    public var ticketCode: String
    public var badge: String
    public var bay: String?
    public var onAt: Date
    public var offAt: Date?
}

/// A bay's request for parts (待料), shown at the counter until the parts are issued.
public struct PartsRequest: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "parts_request"
    public var id: UUID
    public var ticketCode: String
    public var bay: String?
    public var parts: [RequestedPart]
    public var raisedAt: Date
    public var clearedAt: Date?
    /// When receipts brought every part it waits for (they wait at the counter, to be issued).
    public var arrivedAt: Date?

    public init(id: UUID, ticketCode: String, bay: String?, parts: [RequestedPart], raisedAt: Date, clearedAt: Date?, arrivedAt: Date? = nil) {
        (self.id, self.ticketCode, self.bay, self.parts, self.raisedAt, self.clearedAt, self.arrivedAt) = (id, ticketCode, bay, parts, raisedAt, clearedAt, arrivedAt)
    }

    /// The most of one part a request asks for, and the longest part number it names (bytes).
    public static let maxQuantity = 99_999, maxPartNumberBytes = 64, maxParts = 20

    /// What is wrong with the parts a request asks for, or nil: at most 20 parts (none: the bay's
    /// parts button, a call for someone to come), each with a part number of 1 to 64 bytes and a
    /// quantity of 1 to 99,999. The same rule on the bay, the page and the hub, so that a
    /// request a board raised is never refused by its hub.
    public static func problem(_ parts: [RequestedPart]) -> String? {
        if parts.count > maxParts { return "待料请求最多 \(maxParts) 项 / a parts request names at most \(maxParts) parts (got \(parts.count))" }
        if let bad = parts.first(where: {
            let number = $0.partNumber.trimmingCharacters(in: .whitespacesAndNewlines)
            return number.isEmpty || number.utf8.count > maxPartNumberBytes || !(1...maxQuantity).contains($0.quantity)
        }) {
            return "配件或数量无效 / \(bad.quantity) of \"\(bad.partNumber.prefix(64))\": give a part number of 1 to \(maxPartNumberBytes) bytes and 1 to \(maxQuantity) of it"
        }
        return nil
    }
}

/// An appointment (预约) from upstream; its QR code (`KD:APT:<code>`) opens the work order.
public struct Appointment: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "appointment"
    /// The phone number and VIN are opened from their sealed columns as they are fetched.
    public static var databaseSelection: [any SQLSelectable] { SealedCustomer.selection }
    public var code: String
    public var plate: String
    public var vin: String
    public var customerPhone: String
    public var services: [ServiceItem]
    public var promisedAt: Date?
    /// The work order it opened, once the customer checked in.
    public var ticketCode: String?
    public init(code: String, plate: String, vin: String, customerPhone: String, services: [ServiceItem], promisedAt: Date?, ticketCode: String? = nil) {
        self.code = code
        self.plate = plate
        self.vin = vin
        self.customerPhone = customerPhone
        self.services = services
        self.promisedAt = promisedAt
        self.ticketCode = ticketCode
    }

    /// The stored columns: everything but the customer's phone number and VIN, which are sealed.
    public func encode(to container: inout PersistenceContainer) throws {
        container["code"] = code
        container["plate"] = plate
        container["services"] = try ServiceItem.json(services)
        container["promisedAt"] = promisedAt
        container["ticketCode"] = ticketCode
    }
}

extension WorkOrder: SealedCustomerRecord {
    var rowKey: (column: String, value: any DatabaseValueConvertible) { ("ticketCode", ticketCode) }
}

extension Appointment: SealedCustomerRecord {
    var rowKey: (column: String, value: any DatabaseValueConvertible) { ("code", code) }
}

/// Something upstream systems act on (the pick-up message to the customer, a parts request),
/// kept until sync sends it.
public struct WorkshopEvent: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "workshop_event"
    public enum Kind: String, Codable, Sendable, Hashable {
        /// 提醒客户取车: the job is ready.
        case pickupNotice
        case partsRequested
        /// Receipts brought every part of a request: the bay can have them.
        case partsArrived
        /// The receipt that completed a request was undone: the bay waits again.
        case partsArrivalUndone
        case partsRequestCleared
        /// A technician asked for help at the bay (long press).
        case callForHelp
    }
    public var id: UUID
    public var kind: Kind
    public var ticketCode: String
    public var at: Date

    /// Whether every store derives this event itself from facts it syncs (a parts request, a
    /// job move, a stock movement), under the same id (``derivedID(_:of:occurrence:)``): only
    /// a call for help is known to its bay alone, and travels as an event of its own.
    public var isDerived: Bool { kind != .callForHelp }

    /// The id of the `occurrence`-th event of `kind` that `subject` (a parts request, a job
    /// move) gives rise to: the same on the board that made it, at the hub and on every board
    /// that pulls it, so that each event is stored once everywhere (a name-based UUID, version
    /// 5 layout, over SHA-256).
    public static func derivedID(_ kind: Kind, of subject: UUID, occurrence: Int = 1) -> UUID {
        nameBasedUUID("kioskd workshop event v1/\(kind.rawValue)/\(occurrence)/", subject: subject)
    }

    /// Whether `id` has the layout of a derived id (version 5): ids made with `UUID()` are
    /// version 4, so a board cannot pass a call for help off under an id every store derives.
    public static func isNameBased(_ id: UUID) -> Bool { id.uuid.6 >> 4 == 5 }

    /// A name-based UUID (version 5 layout, over SHA-256) of `name` and `subject`.
    static func nameBasedUUID(_ name: String, subject: UUID) -> UUID {
        var input = Data(name.utf8)
        withUnsafeBytes(of: subject.uuid) { input.append(contentsOf: $0) }
        var bytes = Array(SHA256.hash(data: input).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Records the next event of `kind` that `subject` gives rise to, once: an event already
    /// here under that id (made here, or pulled from the hub) is not recorded again.
    /// Returns the event's id.
    @discardableResult
    static func record(_ kind: Kind, of subject: UUID, ticketCode: String, at time: Date, repeatable: Bool = false, in db: Database) throws -> UUID {
        var occurrence = 1
        if repeatable {
            // The n-th arrival (or its undoing) of a request: as many as are here already, plus
            // one. Only the store that decides arrivals records them (a hub, or a store that
            // does not sync), so the count is the same wherever the same facts were applied.
            while try WorkshopEvent.exists(db, key: derivedID(kind, of: subject, occurrence: occurrence)) { occurrence += 1 }
        }
        let id = derivedID(kind, of: subject, occurrence: occurrence)
        try db.execute(sql: "INSERT OR IGNORE INTO workshop_event (id, kind, ticketCode, at) VALUES (?, ?, ?, ?)",
                       arguments: [id, kind.rawValue, ticketCode, time])
        return id
    }
}
