import Foundation

/// The hybrid logical clock stamped on every outgoing event: wall-clock milliseconds in the
/// high bits, a counter in the low 16. Each stamp is the larger of "now" and the last stamp
/// plus one, so a board without a real-time clock, whose clock jumps back at boot, still
/// orders its own events as they happened.
public struct HybridTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The wall-clock part.
    public var milliseconds: Int64 { rawValue >> 16 }
    public var counter: Int64 { rawValue & 0xFFFF }

    /// The next stamp after `last` at wall-clock `now`.
    public static func next(after last: HybridTimestamp?, now: Date) -> HybridTimestamp {
        let physical = Int64((now.timeIntervalSince1970 * 1000).rounded(.down)) << 16
        return HybridTimestamp(rawValue: max(physical, (last?.rawValue ?? 0) + 1))
    }

    public static func < (a: HybridTimestamp, b: HybridTimestamp) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "\(milliseconds).\(counter)" }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The same rule in SQL, for the outbox triggers.
    static let nextSQL = """
        MAX(CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) * 65536,
            COALESCE((SELECT MAX(hlc) FROM sync_outbox), 0) + 1)
        """
}

/// A work order as the service desk opened it, with the customer's phone and VIN in plain:
/// they travel only inside the sync request (use https upstream) and are sealed again by the
/// receiving store's own key.
public struct OpenedOrder: Codable, Sendable, Hashable {
    public var ticketCode: String
    public var publicToken: String
    public var plate: String
    public var vin: String
    public var customerPhone: String
    public var services: [ServiceItem]
    public var promisedAt: Date?
    public var bay: String?
    public var openedAt: Date
    /// The phone number and VIN sealed with the key the device shares with its hub (then
    /// `vin` and `customerPhone` are empty): nothing on the way, nor the hub's PostgreSQL
    /// ledger, holds them in plain.
    public var sealed: String?
    /// The appointment whose code opened it, if one did. The lobby kiosk opens work orders
    /// only so: the hub then takes the customer, the vehicle and the services from its own
    /// appointment, never from the kiosk.
    public var appointment: String?

    /// The same order with the customer's phone and VIN sealed for the way.
    public func sealingCustomer(with key: DeviceKey) throws -> OpenedOrder {
        guard sealed == nil else { return self }
        var copy = self
        copy.sealed = try key.seal(SealedCustomerFields(vin: vin, phone: customerPhone))
        copy.vin = ""
        copy.customerPhone = ""
        return copy
    }

    /// The same order with its sealed phone and VIN opened.
    public func openingCustomer(with key: DeviceKey) throws -> OpenedOrder {
        guard let sealed else { return self }
        let fields = try key.open(sealed, as: SealedCustomerFields.self)
        var copy = self
        (copy.vin, copy.customerPhone, copy.sealed) = (fields.vin, fields.phone, nil)
        return copy
    }

    /// The opening facts of a stored work order (its phone and VIN opened).
    public init(_ order: WorkOrder) {
        ticketCode = order.ticketCode
        publicToken = order.publicToken
        plate = order.plate
        vin = order.vin
        customerPhone = order.customerPhone
        services = order.services
        promisedAt = order.promisedAt
        bay = order.bay
        openedAt = order.openedAt
    }

    /// The work order to store, in `state` since `stateSince` (insert it with `insertSealed`).
    func workOrder(state: JobState, since stateSince: Date) -> WorkOrder {
        WorkOrder(ticketCode: ticketCode, publicToken: publicToken, plate: plate, vin: vin, customerPhone: customerPhone,
                  services: services, promisedAt: promisedAt, bay: bay, state: state, stateSince: stateSince, openedAt: openedAt)
    }
}

/// One change a device recorded, as it travels upstream. Exactly one of the payloads is set,
/// by `kind`.
public struct SyncEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case stockMovement = "stock.movement"
        case jobOpened = "job.opened"
        case jobTransition = "job.transition"
        /// A stocktake closed (its variance report) or confirmed (its adjustments are movements).
        case stocktake = "stocktake.status"
        /// A stock alert raised or cleared.
        case stockAlert = "stock.alert"
        /// A bay's parts request (待料), as it was raised: the hub marks it arrived and cleared
        /// from the stock movements every counter sends, and hands it to the counters.
        case partsRequest = "parts.request"
        /// A workshop event only its board knows (a call for help at a bay); the others
        /// (parts requested, arrived, cleared, the pick-up notice) every store derives itself,
        /// under the same ids.
        case workshopEvent = "workshop.event"
        /// A supplier's delivery, closed at a counter, with its receipts (their movements travel on their own).
        case delivery = "purchase.delivery"

        /// Facts the hub keeps as they came (for the store's upstream systems), not applied:
        /// the hub derives its own stock and alerts from the movements.
        public var isFact: Bool { self == .stocktake || self == .stockAlert }
    }

    /// The device's outbox sequence: what the hub acknowledges.
    public var seq: Int64
    /// Unique everywhere (a movement's key, a transition's id): the hub stores each id once.
    public var id: UUID
    public var kind: Kind
    public var hlc: HybridTimestamp
    public var movement: StockMovement?
    public var transition: JobTransition?
    public var order: OpenedOrder?
    public var stocktake: StocktakeFact?
    public var alert: AlertFact?
    public var partsRequest: PartsRequest?
    public var workshopEvent: WorkshopEvent?
    /// The carton a transfer movement ships or receives (beside ``movement``, for
    /// ``MovementKind/transferOut`` and ``MovementKind/transferIn`` only).
    public var transfer: StoreTransfer?
    public var delivery: DeliveryFact?

    /// What is wrong with the event's shape, or nil: an event carries exactly the payload its
    /// kind names (a `stock.movement` with no movement, or with a job move beside it, is
    /// refused, never stored as applied), and a movement or a move has the event's id.
    public var shapeProblem: String? {
        let carried = [movement != nil ? Kind.stockMovement : nil, transition != nil ? .jobTransition : nil,
                       order != nil ? .jobOpened : nil, stocktake != nil ? .stocktake : nil, alert != nil ? .stockAlert : nil,
                       partsRequest != nil ? .partsRequest : nil, workshopEvent != nil ? .workshopEvent : nil,
                       delivery != nil ? .delivery : nil].compactMap { $0 }
        guard carried == [kind] else {
            let named = carried.isEmpty ? "nothing" : carried.map(\.rawValue).joined(separator: " + ")
            return "事件 \(id) 的内容与类型不符 / event \(id) is a \(kind.rawValue) but carries \(named)"
        }
        if let m = movement, m.key != id {
            return "事件 \(id) 的库存移动键不符 / event \(id) carries movement \(m.key): a movement travels under its own key"
        }
        if let d = delivery {
            guard d.delivery.id == id, d.delivery.closedAt != nil, d.lines.count <= 5000, d.lines.allSatisfy({ $0.deliveryID == id && $0.quantity > 0 }) else {
                return "事件 \(id) 的收货记录不符 / event \(id): a delivery travels closed, under its own id, with its own lines"
            }
        }
        let transferMovement = movement.map { $0.kind == .transferOut || $0.kind == .transferIn } ?? false
        if transferMovement != (transfer != nil) {
            return "事件 \(id) 的调拨箱不符 / event \(id): a transfer movement carries its carton (SSCC), and only a transfer movement does"
        }
        if let t = transfer, let m = movement {
            let key = m.kind == .transferOut ? t.shipMovementKey : t.receiveMovementKey
            guard key == m.key, SSCC.isValid(t.sscc), t.partNumber == m.partNumber, t.quantity == m.quantity else {
                return "事件 \(id) 的调拨箱 \(t.sscc) 与库存移动不符 / event \(id): carton \(t.sscc) does not match its movement (key, SSCC, part or quantity)"
            }
        }
        if let t = transition, t.id != id {
            return "事件 \(id) 的工单状态变更编号不符 / event \(id) carries job move \(t.id): a move travels under its own id"
        }
        if let r = partsRequest {
            guard r.id == id else { return "事件 \(id) 的待料请求编号不符 / event \(id) carries parts request \(r.id): a request travels under its own id" }
            if let problem = PartsRequest.problem(r.parts) { return "待料请求 \(r.id)：\(problem)" }
        }
        if let e = workshopEvent, e.id != id {
            return "事件 \(id) 的车间事件编号不符 / event \(id) carries workshop event \(e.id): an event travels under its own id"
        }
        if let e = workshopEvent, e.kind == .callForHelp, WorkshopEvent.isNameBased(e.id) {
            return "呼叫 \(e.id) 的编号无效 / call for help \(e.id) has a derived (version 5) id: a call for help gets a random id"
        }
        return nil
    }
}

/// A stocktake as it was closed or confirmed, with its variance lines.
public struct StocktakeFact: Codable, Sendable, Hashable {
    public var stocktake: Stocktake
    public var lines: [VarianceLine]
}

/// A stock alert raised or cleared on a device.
public struct AlertFact: Codable, Sendable, Hashable {
    public enum Change: String, Codable, Sendable, Hashable { case raised, cleared }
    public var change: Change
    public var alert: StockAlert
}

public struct PushRequest: Codable, Sendable {
    public var deviceID: String
    public var events: [SyncEvent]
    /// The newest entry of the device's audit log: the hub keeps the highest it has seen, so
    /// that entries deleted on the device afterwards show at the hub.
    public var auditHead: AuditHead?
    public init(deviceID: String, events: [SyncEvent], auditHead: AuditHead? = nil) {
        self.deviceID = deviceID
        self.events = events
        self.auditHead = auditHead
    }
}

/// The newest entry of an audit log: its number and its chained hash.
public struct AuditHead: Codable, Sendable, Hashable {
    public var seq: Int64
    public var hash: String
    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

/// A job transition the hub could not apply (another bay moved the job first): the device
/// shows it and takes the hub's state.
public struct RejectedEvent: Codable, Sendable, Hashable {
    public var id: UUID
    public var ticketCode: String
    public var reason: String
    public var hubState: JobState
    /// Since when the job is in ``hubState`` at the hub, so that the device keeps the same time
    /// (absent from hubs before it was sent: the device then uses the time of the answer).
    public var hubStateSince: Date?
}

public struct PushResponse: Codable, Sendable {
    /// Every event up to this outbox sequence is durably stored at the hub.
    public var ackedSeq: Int64
    /// How many of the batch were new to the hub (the others it had already).
    public var stored: Int
    public var rejected: [RejectedEvent]
    public init(ackedSeq: Int64, stored: Int, rejected: [RejectedEvent]) {
        self.ackedSeq = ackedSeq
        self.stored = stored
        self.rejected = rejected
    }
}

public struct EnrolRequest: Codable, Sendable {
    public var deviceID: String
    public var code: String
    public init(deviceID: String, code: String) {
        self.deviceID = deviceID
        self.code = code
    }
}

public struct EnrolResponse: Codable, Sendable {
    public var deviceID: String
    public var token: String
    /// What the hub lets this device do and see.
    public var role: DeviceRole?
    /// The key the device shares with the hub (base64, 32 bytes): PIN verifiers and sealed
    /// customer data. Kept beside the token.
    public var deviceKey: String?
    public init(deviceID: String, token: String, role: DeviceRole? = nil, deviceKey: String? = nil) {
        self.deviceID = deviceID
        self.token = token
        self.role = role
        self.deviceKey = deviceKey
    }
}

/// A work order as the hub holds it now, for devices that pull.
public struct PulledOrder: Codable, Sendable, Hashable {
    public var opened: OpenedOrder
    public var state: JobState
    public var stateSince: Date
}

/// One row that changed at the hub (or its tombstone), under the hub's sequence.
public struct PulledChange: Codable, Sendable, Hashable {
    public enum Entity: String, Codable, Sendable, Hashable, CaseIterable {
        case bin, part, barcode, technician, order, appointment
        /// A parts request as the hub holds it (arrived and cleared by the hub's stock).
        case partsRequest
        /// A workshop event (parts requested, arrived, cleared, a call for help, a pick-up notice).
        case workshopEvent
        /// An advisor's quote for extra work and the customer's answer (made at the hub).
        case quote
        /// A carton shipped to or from a sister store (``StoreTransfer``), as the hub knows it.
        case transfer
        /// A purchase order (made at the hub), as it stands.
        case purchaseOrder
        /// A closed delivery against a purchase order, with its receipts.
        case delivery

        /// What every board understands, also one from before parts requests, workshop events
        /// and quotes synced: a hub sends a board only the entities it names in
        /// ``understoodHeader``, and these to a board that names none.
        public static let understoodByEveryBoard: Set<Entity> = [.bin, .part, .barcode, .technician, .order, .appointment]

        /// The request header in which a board names the entities it understands (comma-separated).
        public static let understoodHeader = "Kioskd-Pull-Entities"

        /// The entities a board names in ``understoodHeader`` (unknown names ignored; no header:
        /// ``understoodByEveryBoard``).
        public static func understood(from header: String?) -> Set<Entity> {
            guard let header else { return understoodByEveryBoard }
            return understoodByEveryBoard.union(header.split(separator: ",").compactMap { Entity(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
        }
    }
    public var seq: Int64
    public var entity: Entity
    public var key: String
    /// A deletion: the device removes the row.
    public var deleted: Bool
    public var bin: Bin?
    public var part: Part?
    public var barcode: PartBarcode?
    /// A technician's row comes without the hub's PIN hash; this is the verifier the hub made
    /// for the pulling device (``PINHash/deviceVerifier(from:key:)``), for the roles that sign
    /// in there.
    public var technician: Technician?
    public var pinVerifier: String?
    public var order: PulledOrder?
    public var appointment: Appointment?
    /// An appointment's phone and VIN, sealed for the pulling device (blank in `appointment`).
    public var sealedCustomer: String?
    public var partsRequest: PartsRequest?
    public var workshopEvent: WorkshopEvent?
    public var quote: JobQuote?
    public var transfer: StoreTransfer?
    public var purchaseOrder: PurchaseOrder?
    public var delivery: DeliveryFact?
}

public struct PullResponse: Codable, Sendable {
    public var changes: [PulledChange]
    /// The cursor to ask from next time.
    public var cursor: Int64
    /// More changes wait after this page.
    public var more: Bool
    public init(changes: [PulledChange], cursor: Int64, more: Bool) {
        self.changes = changes
        self.cursor = cursor
        self.more = more
    }
}
