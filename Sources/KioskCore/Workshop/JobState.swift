import Foundation
/// The state of a job (a work order in the workshop), and the transitions the shop allows.
///
/// The main path is checked in → diagnosing → repairing → quality check → ready → delivered.
/// Waiting approval and waiting parts are entered from diagnosing or repairing and left
/// for repairing (or back to diagnosing); quality check can fail back to repairing; any
/// open state can be cancelled with a reason.
public enum JobState: String, Codable, Sendable, Hashable, CaseIterable {
    case checkedIn, diagnosing, waitingApproval, waitingParts, repairing, qualityCheck, ready, delivered, cancelled

    public var nameZh: String {
        switch self {
        case .checkedIn: "已接车"
        case .diagnosing: "诊断"
        case .waitingApproval: "待客户确认"
        case .waitingParts: "待料"
        case .repairing: "维修中"
        case .qualityCheck: "质检"
        case .ready: "待交车"
        case .delivered: "已交车"
        case .cancelled: "已取消"
        }
    }

    public var nameEn: String {
        switch self {
        case .checkedIn: "checked in"
        case .diagnosing: "diagnosing"
        case .waitingApproval: "waiting approval"
        case .waitingParts: "waiting parts"
        case .repairing: "repairing"
        case .qualityCheck: "quality check"
        case .ready: "ready"
        case .delivered: "delivered"
        case .cancelled: "cancelled"
        }
    }

    /// Delivered and cancelled jobs are closed: nothing moves them any more.
    public var isOpen: Bool { self != .delivered && self != .cancelled }

    /// The states this one may move to.
    public var allowedNext: Set<JobState> {
        var next: Set<JobState> = switch self {
        case .checkedIn: [.diagnosing]
        case .diagnosing: [.waitingApproval, .waitingParts, .repairing]
        case .waitingApproval: [.repairing, .waitingParts, .diagnosing]
        case .waitingParts: [.repairing, .diagnosing]
        case .repairing: [.waitingApproval, .waitingParts, .qualityCheck]
        case .qualityCheck: [.ready, .repairing]
        case .ready: [.delivered]
        case .delivered, .cancelled: []
        }
        if isOpen { next.insert(.cancelled) }
        return next
    }

    /// Where the bay's "next" button takes the job, on the main path.
    public var advance: JobState? {
        switch self {
        case .checkedIn: .diagnosing
        case .diagnosing, .waitingApproval, .waitingParts: .repairing
        case .repairing: .qualityCheck
        case .qualityCheck: .ready
        case .ready: .delivered
        case .delivered, .cancelled: nil
        }
    }

    /// Checks a move; the error says why it is not allowed.
    public func check(to next: JobState, reason: String?) throws(WorkshopError) {
        guard allowedNext.contains(next) else { throw .illegalTransition(from: self, to: next) }
        if next == .cancelled, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw .cancelReasonRequired
        }
    }

    /// What the customer sees in the lobby and on the phone; `nil` once off the board.
    public var customerStage: CustomerStage? {
        switch self {
        case .checkedIn, .diagnosing, .waitingApproval, .waitingParts: .enteredWorkshop
        case .repairing: .repairing
        case .qualityCheck: .nearlyDone
        case .ready: .readyForPickup
        case .delivered, .cancelled: nil
        }
    }
}

/// The customer-facing stage of a vehicle: no internal detail, no personal data.
public enum CustomerStage: String, Codable, Sendable, Hashable, CaseIterable {
    case enteredWorkshop, repairing, nearlyDone, readyForPickup

    public var nameZh: String {
        switch self {
        case .enteredWorkshop: "车辆已进入车间"
        case .repairing: "正在维修"
        case .nearlyDone: "即将完成"
        case .readyForPickup: "可取车"
        }
    }

    public var nameEn: String {
        switch self {
        case .enteredWorkshop: "In the workshop"
        case .repairing: "Repairing"
        case .nearlyDone: "Nearly done"
        case .readyForPickup: "Ready for pick-up"
        }
    }
}

/// Why the workshop refused an action. Shown unchanged at the bay.
public enum WorkshopError: Error, Sendable, Hashable, CustomStringConvertible {
    case illegalTransition(from: JobState, to: JobState)
    case cancelReasonRequired
    case unknownWorkOrder(String)
    case unknownTechnician(String)
    case unknownAppointment(String)
    case appointmentAlreadyUsed(String, ticket: String)
    case duplicateTicket(String)
    case invalidField(String, String)
    case notClockedOn(badge: String)
    case noJobAtBay(String)
    case newVehicle(String)
    case pinLocked(String, until: Date)
    /// As many PIN attempts for this badge are being checked as it may fail: wait for them.
    case pinAttemptsInProgress(String)
    /// A part movement named a work order that is delivered or cancelled.
    case workOrderClosed(String, state: JobState)

    public var description: String {
        switch self {
        case let .illegalTransition(from, to):
            "不能从「\(from.nameZh)」转到「\(to.nameZh)」/ a job cannot go from \(from.nameEn) to \(to.nameEn)"
                + (from.isOpen ? "；可转到 allowed: \(from.allowedNext.map(\.nameEn).sorted().joined(separator: ", "))" : "：工单已关闭 / the job is closed")
        case .cancelReasonRequired: "取消工单需要原因 / cancelling a job needs a reason"
        case .unknownWorkOrder(let t): "未知工单 \(t)：请核对工单号，或等待与总部同步 / unknown work order \(t): check the ticket, or wait until it syncs from the hub"
        case let .workOrderClosed(t, state): "工单 \(t) 已\(state.nameZh)，不能再领料或退料 / work order \(t) is \(state.nameEn): no parts can be issued to or returned from it"
        case .unknownTechnician(let b): "未知技师工号 \(b) / unknown technician badge \(b)"
        case .unknownAppointment(let c): "未知预约 \(c) / unknown appointment \(c)"
        case let .appointmentAlreadyUsed(c, ticket): "预约 \(c) 已开单 \(ticket) / appointment \(c) already opened work order \(ticket)"
        case .duplicateTicket(let t): "工单号 \(t) 已存在 / work order \(t) already exists"
        case let .invalidField(field, why): "\(field) 无效 / invalid \(field): \(why)"
        case .notClockedOn(let b): "技师 \(b) 未上工 / technician \(b) is not clocked on"
        case .noJobAtBay(let bay): "工位 \(bay) 没有进行中的工单 / no open job at bay \(bay)"
        case .pinAttemptsInProgress(let badge):
            "工号 \(badge) 正在验证的密码尝试过多，请稍后再试 / badge \(badge) has as many PIN attempts being checked as it may fail: try again in a moment"
        case let .pinLocked(badge, until):
            "工号 \(badge) 密码错误次数过多，已锁定至 \(ISO8601DateFormatter().string(from: until)) / badge \(badge) is locked after too many wrong PINs until \(ISO8601DateFormatter().string(from: until)): scan the badge at the bay, or ask the manager"
        case .newVehicle(let vin): "新车辆 \(vin)：首次来店，请在服务台登记手机号和车牌 / new vehicle \(vin): first visit, open the work order at the desk with the customer's phone and plate"
        }
    }
}
