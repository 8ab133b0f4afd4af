import Foundation
import GRDB

/// How long a bay's button was held.
public enum BayPressKind: String, Codable, Sendable, Hashable {
    case short, long
}

/// What a press of one of a bay's buttons (按钮) comes to. Decided by ``BayButtonRules``
/// from the button and the bay's job, free of I/O; applied by ``Workshop/press(_:kind:bay:at:)``
/// in one transaction with the job read.
public enum BayButtonAction: Sendable, Hashable {
    /// `advance`: the job's next state on the main path.
    case advance(ticketCode: String, from: JobState, to: JobState)
    /// `parts`: the counter sees the bay waiting for parts.
    case callForParts(ticketCode: String)
    /// `help`, or a long press of `advance`: the bay's light flashes and the counter is told
    /// (recorded only when the bay has a job).
    case callForHelp(ticketCode: String?)
    /// `acknowledge`: silences the buzzer and the help flash; nothing is recorded.
    case acknowledge
    /// Nothing changes; the bay shows red, chirps and says why.
    case refuse(BayButtonRefusal)
}

/// Why a press changes nothing.
public enum BayButtonRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case noJobAtBay(String)
    /// Handing the car over (or cancelling) is the service desk's, never a bay button's.
    case closedAtTheDesk(ticketCode: String)
    /// The job waits for the customer's answer to a quote: the answer moves it on (the phone
    /// page), or the service desk does; a bay's button would leave the quote unanswered for good.
    case waitingForCustomer(ticketCode: String)
    /// A button name the rules do not know (a wiring or config error).
    case unknownButton(String)

    public var description: String {
        switch self {
        case .noJobAtBay(let bay):
            "工位 \(bay) 没有进行中的工单 / no open job at bay \(bay)"
        case .closedAtTheDesk(let ticket):
            "\(ticket) 已完工待交车：交车在服务台办理 / \(ticket) is ready: the car is handed over at the service desk, not with the bay's button"
        case .waitingForCustomer(let ticket):
            "\(ticket) 等待客户确认报价：客户在手机上确认，或由服务台处理 / \(ticket) waits for the customer's answer to its quote: the customer answers on the phone page, or the service desk moves it"
        case .unknownButton(let name):
            "未知按钮 \(name)：按钮名应为 advance、parts、help 或 acknowledge / unknown button \(name): name buttons advance, parts, help or acknowledge in [gpio.buttons]"
        }
    }
}

/// The bay's buttons, as rules: button × press × the bay's job → action.
public enum BayButtonRules {
    /// The buttons the rules know.
    public static let buttons: Set<String> = ["advance", "parts", "help", "acknowledge"]

    public static func decide(button: String, kind: BayPressKind, bay: String, job: WorkOrder?) -> BayButtonAction {
        switch (button, kind) {
        case ("advance", .short):
            guard let job else { return .refuse(.noJobAtBay(bay)) }
            if job.state == .waitingApproval { return .refuse(.waitingForCustomer(ticketCode: job.ticketCode)) }
            guard let next = job.state.advance, next != .delivered, next != .cancelled else {
                return .refuse(.closedAtTheDesk(ticketCode: job.ticketCode))
            }
            return .advance(ticketCode: job.ticketCode, from: job.state, to: next)
        case ("advance", .long), ("help", _):
            return .callForHelp(ticketCode: job?.ticketCode)
        case ("parts", _):
            guard let job else { return .refuse(.noJobAtBay(bay)) }
            return .callForParts(ticketCode: job.ticketCode)
        case ("acknowledge", _):
            return .acknowledge
        default:
            return .refuse(.unknownButton(button))
        }
    }
}

/// One press of a bay's button as it was recorded: what it did or why it did nothing. The bay
/// page shows the last one; a refused press is recorded too, like a refused scan.
public struct BayPress: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "bay_press"
    /// What the press did.
    public enum Effect: String, Codable, Sendable, Hashable {
        case moved, partsCalled, helpCalled, acknowledged, refused
    }
    public var id: UUID
    public var bay: String
    public var button: String
    public var kind: BayPressKind
    public var ticketCode: String?
    public var effect: Effect
    public var accepted: Bool { effect != .refused }
    /// What the bay shows: the move made, the call raised, or the refusal's reason.
    public var message: String
    public var at: Date

    static func record(_ button: String, kind: BayPressKind, bay: String, ticketCode: String?, effect: Effect, message: String,
                       at time: Date, in db: Database) throws -> BayPress {
        let press = BayPress(id: UUID(), bay: bay, button: button, kind: kind, ticketCode: ticketCode, effect: effect, message: message, at: time)
        try press.insert(db)
        return press
    }
}

extension Workshop {
    /// Applies a press of the bay's button: reads the bay's job, decides (``BayButtonRules``)
    /// and records what it did in one transaction, so a move made meanwhile on the page is
    /// never stepped over. A refused press changes nothing but its record. A press the
    /// workshop's rules refuse while it is applied (a move made meanwhile elsewhere) is recorded
    /// as refused with that reason; a press that cannot be committed at all (the store fails)
    /// throws, and nothing of it is kept.
    @discardableResult
    public func press(_ button: String, kind: BayPressKind, bay: String, at time: Date = Date()) throws -> BayPress {
        do {
            return try apply(button, kind: kind, bay: bay, at: time)
        } catch let error as WorkshopError {
            return try database.pool.write { db in
                try BayPress.record(button, kind: kind, bay: bay, ticketCode: try Self.currentJob(atBay: bay, in: db)?.ticketCode,
                                    effect: .refused, message: error.description, at: time, in: db)
            }
        }
    }

    private func apply(_ button: String, kind: BayPressKind, bay: String, at time: Date) throws -> BayPress {
        try database.pool.write { db in
            let job = try Self.currentJob(atBay: bay, in: db)
            let action = BayButtonRules.decide(button: button, kind: kind, bay: bay, job: job)
            let effect: BayPress.Effect
            let message: String
            switch action {
            case let .advance(ticket, from, to):
                _ = try Self.transition(ticket, to: to, actor: "bay:\(bay)", bay: bay, reason: nil, parts: [], id: UUID(), at: time, in: db)
                (effect, message) = (.moved, "\(ticket)：\(from.nameZh) → \(to.nameZh) / \(from.nameEn) → \(to.nameEn)")
            case .callForParts(let ticket):
                try Self.requestParts(ticket, bay: bay, parts: [], at: time, in: db)
                (effect, message) = (.partsCalled, "\(ticket)：已呼叫配件 / parts called for")
            case .callForHelp(let ticket):
                if let ticket { try WorkshopEvent(id: UUID(), kind: .callForHelp, ticketCode: ticket, at: time).insert(db) }
                (effect, message) = (.helpCalled, "工位 \(bay) 呼叫协助 / bay \(bay) calls for help")
            case .acknowledge:
                (effect, message) = (.acknowledged, "已确认 / acknowledged")
            case .refuse(let refusal):
                (effect, message) = (.refused, refusal.description)
            }
            return try BayPress.record(button, kind: kind, bay: bay, ticketCode: job?.ticketCode, effect: effect, message: message, at: time, in: db)
        }
    }

    /// The bay's last press since `time`.
    public func lastPress(atBay bay: String, since time: Date) throws -> BayPress? {
        try database.pool.read { try Self.lastPress(atBay: bay, since: time, in: $0) }
    }

    /// The bay's last press since `time`, inside a caller's read (the bay page's view).
    static func lastPress(atBay bay: String, since time: Date, in db: Database) throws -> BayPress? {
        try BayPress.filter(Column("bay") == bay && Column("at") >= time).order(Column("at").desc).fetchOne(db)
    }
}
