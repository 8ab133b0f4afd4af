import Foundation
import Hummingbird
import KioskCore

/// One vehicle on the lobby board: no names, phones or VINs.
public struct LobbyEntry: Codable, Sendable, Hashable, ResponseEncodable {
    public var maskedPlate: String
    public var stage: CustomerStage
    public var stageZh: String
    public var stageEn: String
    public var promisedAt: Date?

    init(_ order: WorkOrder, stage: CustomerStage) {
        maskedPlate = order.maskedPlate
        self.stage = stage
        stageZh = stage.nameZh
        stageEn = stage.nameEn
        promisedAt = order.promisedAt
    }
}

/// The phone page's view of one vehicle: what a customer asks at the counter, and nothing
/// that names them (a masked plate, the services booked, the step being done now, the time
/// promised, and the store's own phone number, never a person's).
public struct TrackView: Codable, Sendable, Hashable, ResponseEncodable {
    public var maskedPlate: String
    public var stage: CustomerStage
    public var stageZh: String
    public var stageEn: String
    public var promisedAt: Date?
    /// The services booked, by name.
    public var services: [String]
    /// What is being done now: the job's state in the shop's words.
    public var nowZh: String
    public var nowEn: String
    public var storeName: String?
    /// The store's service desk (`[labels] store_phone`), for a `tel:` link.
    public var storePhone: String?
    /// The advisor's quote for extra work: to approve or decline while the job waits for it,
    /// then with the answer.
    public var quote: QuoteView?

    init(_ order: WorkOrder, stage: CustomerStage, store: StoreContact, quote: QuoteView? = nil) {
        maskedPlate = order.maskedPlate
        self.stage = stage
        stageZh = stage.nameZh
        stageEn = stage.nameEn
        promisedAt = order.promisedAt
        services = order.services.map(\.name)
        nowZh = order.state.nameZh
        nowEn = order.state.nameEn
        storeName = store.name
        storePhone = store.phone
        self.quote = quote
    }
}

/// The store as the phone page names it.
public struct StoreContact: Sendable, Hashable {
    public var name: String?
    public var phone: String?
    public init(name: String? = nil, phone: String? = nil) {
        self.name = name
        self.phone = phone
    }
}

public struct LobbyView: Codable, Sendable, ResponseEncodable {
    public var vehicles: [LobbyEntry]
    public var stages: [CustomerStage]
}

public struct ScanResult: Codable, Sendable, ResponseEncodable {
    public var accepted: Bool
    public var message: String
    public var duplicate: Bool
    public var scanID: UUID
    /// What the scan came to (`accepted`, `accepted-low`, `duplicate`, `wrong`,
    /// `unknown-code`, `refused`, `store-fault`): the page's colour and sound.
    public var outcome: String
}

/// `/healthz`: the status for anyone; the components and faults for a signed-in person only.
public struct HealthView: Codable, Sendable, ResponseEncodable {
    public var status: String
    public var components: [String: String]?
    public var faults: [String: String]?
}

public struct TransitionRequest: Codable, Sendable {
    public var to: JobState
    public var actor: String?
    public var reason: String?
    public var parts: [RequestedPart]?
    /// Idempotency key chosen by the page, so a retried tap is applied once.
    public var id: UUID?
}

/// Clocking on or off at the touch page: the badge number and the technician's PIN.
public struct ClockRequest: Codable, Sendable {
    public var badge: String
    public var pin: String?
    public var on: Bool
    public init(badge: String, pin: String?, on: Bool) {
        self.badge = badge
        self.pin = pin
        self.on = on
    }
}

/// Who in the chain holds a part.
public struct ChainStockView: Codable, Sendable, ResponseEncodable {
    public var part: String
    public var rows: [ChainStock]
}

/// A call for help at a bay: recorded with the bay's job (`ticketCode`), told to the counter and upstream.
public struct HelpCall: Codable, Sendable {
    public var accepted: Bool
    public var message: String
    public var ticketCode: String?
}

/// Webhook deliveries per endpoint, and the dead-letter list.
public struct WebhooksView: Codable, Sendable, ResponseEncodable {
    public var endpoints: [WebhookStatus]
    public var dead: [DeadDelivery]
}

/// Which dead deliveries to send again.
public struct WebhookReplayRequest: Codable, Sendable {
    public var events: [String]?
    public var all: Bool?
    public var endpoint: String?
}

/// An advisor's quote: its lines, and an id chosen by the page so that a retried send is one quote.
public struct QuoteBody: Codable, Sendable {
    public var lines: [QuoteLine]
    public var id: UUID?
}

/// The customer's answer to the quote they were shown.
public struct QuoteAnswerBody: Codable, Sendable {
    public var quote: UUID
    public var answer: QuoteAnswer
}

public struct PartsRequestBody: Codable, Sendable {
    public var parts: [RequestedPart]
}

public struct ScanRequest: Codable, Sendable {
    public var text: String
    public var id: UUID?
}

/// A job after a change, as the bay page needs it: no phone, no VIN.
public struct JobSummary: Codable, Sendable, ResponseEncodable {
    public var ticketCode: String
    public var state: JobState
    public var stateZh: String
    public var stateEn: String
    public var stateSince: Date

    init(_ order: WorkOrder) {
        ticketCode = order.ticketCode
        state = order.state
        stateZh = order.state.nameZh
        stateEn = order.state.nameEn
        stateSince = order.stateSince
    }
}

public struct StockView: Codable, Sendable, ResponseEncodable {
    public var rows: [StockRow]
}

extension StaffSession: ResponseEncodable {}
extension BayView: ResponseEncodable {}
extension CounterView: ResponseEncodable {}
extension QuoteView: ResponseEncodable {}
extension ManagerView: ResponseEncodable {}
extension StockRow: ResponseEncodable {}

public struct SignInRequest: Codable, Sendable {
    public var badge: String
    public var pin: String
}

public struct RoleRequest: Codable, Sendable {
    public var role: String
}

/// A customer's work orders with the personal data opened: for the service desk only.
public struct CustomerOrdersView: Codable, Sendable, ResponseEncodable {
    public struct Order: Codable, Sendable {
        public var ticketCode: String
        public var plate: String
        public var vin: String
        public var customerPhone: String
        public var state: JobState
        public var openedAt: Date
        init(_ o: WorkOrder) {
            ticketCode = o.ticketCode
            plate = o.plate
            vin = o.vin
            customerPhone = o.customerPhone
            state = o.state
            openedAt = o.openedAt
        }
    }
    public var orders: [Order]
}

public struct AuditView: Codable, Sendable, ResponseEncodable {
    public struct Entry: Codable, Sendable {
        public var seq: Int64
        public var at: Date
        public var actor: String
        public var action: String
        public var detail: String
    }
    public var intact: Bool
    public var verification: String
    /// The newest 200, newest first.
    public var entries: [Entry]
}

public struct StaffView: Codable, Sendable, ResponseEncodable {
    public struct Person: Codable, Sendable {
        public var badge: String
        public var name: String
        public var role: StaffRole
        /// When the person's PIN lock ends; absent when not locked.
        public var lockedUntil: Date?
        /// PIN lockouts in a row since the last right PIN.
        public var lockouts: Int
    }
    public var staff: [Person]
}

/// The printers a device has, for print requests from the pages.
public struct PrintingSetup: Sendable, Hashable {
    public var printers: [String]
    public var labelPrinter: String
    public var ticketPrinter: String
    public init(printers: [String], labelPrinter: String, ticketPrinter: String) {
        self.printers = printers
        self.labelPrinter = labelPrinter
        self.ticketPrinter = ticketPrinter
    }
}

public struct PrintRequest: Codable, Sendable {
    public var kind: PrintJob.Kind
    /// Bin codes, part numbers, badges or ticket codes.
    public var subjects: [String]?
    /// A range of bins (both given), instead of subjects.
    public var from: String?
    public var to: String?
    public var copies: Int?
    public var printer: String?
    /// Idempotency key: the same request twice is one job.
    public var id: UUID?

    public init(kind: PrintJob.Kind, subjects: [String]? = nil, from: String? = nil, to: String? = nil, copies: Int? = nil,
                printer: String? = nil, id: UUID? = nil) {
        self.kind = kind
        self.subjects = subjects
        self.from = from
        self.to = to
        self.copies = copies
        self.printer = printer
        self.id = id
    }
}

public struct PrintJobView: Codable, Sendable, ResponseEncodable {
    public var id: Int64
    public var printer: String
    public var kind: PrintJob.Kind
    public var subjects: [String]
    public var state: String
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Date
    init(_ job: PrintJob) {
        id = job.id ?? 0
        printer = job.printer
        kind = job.kind
        subjects = job.subjects
        state = job.state.rawValue
        attempts = job.attempts
        lastError = job.lastError
        createdAt = job.createdAt
    }
}

public struct PrintJobsView: Codable, Sendable, ResponseEncodable {
    public var jobs: [PrintJobView]
}

extension PushResponse: ResponseEncodable {}
extension PullResponse: ResponseEncodable {}
extension EnrolResponse: ResponseEncodable {}

public struct SyncStatusView: Codable, Sendable, ResponseEncodable {
    public struct Device: Codable, Sendable {
        public var deviceID: String
        /// counter, bay, desk, lobby or store: what the hub lets it send and see.
        public var role: String
        public var enrolledAt: Date
        public var revoked: Bool
        /// Set when the device's audit log was cut short or rewritten after the hub saw it.
        public var auditAlarm: String?
        public var events: Int
    }
    /// This kioskd's own outbox (toward its upstream).
    public var outbox: SyncStatus
    /// On a hub: the devices enrolled with it.
    public var devices: [Device]
}
