import Foundation
import GRDB

/// What a stock movement does (入库, 出库, 退料, 移库, 调整, 盘点, 撤销).
public enum MovementKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// 入库: parts arrive into a bin.
    case receive
    /// 出库/领料: parts leave a bin for a work order.
    case issue
    /// 退料: parts come back into a bin (from a work order).
    case `return`
    /// 移库: parts move from one bin to another.
    case transfer
    /// 库存调整: a correction with a reason.
    case adjust
    /// 盘点: the adjustment a confirmed stocktake makes.
    case count
    /// 撤销: the compensating movement that undoes an earlier one.
    case reversal
    /// 调拨出库: a carton leaves a bin for a sister store (``StoreTransfer``).
    case transferOut = "transfer-out"
    /// 调拨入库: a carton from a sister store arrives into a bin.
    case transferIn = "transfer-in"
    /// 退供应商: parts go back to the supplier (damaged, wrong), out of quarantine or stock.
    case supplierReturn = "supplier-return"

    public var nameZh: String {
        switch self {
        case .receive: "入库"
        case .issue: "出库"
        case .return: "退料"
        case .transfer: "移库"
        case .adjust: "库存调整"
        case .count: "盘点调整"
        case .reversal: "撤销"
        case .transferOut: "调拨出库"
        case .transferIn: "调拨入库"
        case .supplierReturn: "退供应商"
        }
    }
}

/// What a part's GS1 code says about the one item scanned, kept on its movement.
public struct ItemTrace: Codable, Sendable, Hashable {
    public var lot: String?
    /// `yyyy-MM-dd` (a GS1 day 00 is the month's last day).
    public var expiry: String?
    public var serial: String?
    /// The value with its unit, e.g. `4.5 l`.
    public var netQuantity: String?
    /// How the code was read when that was a choice (raw digits read as GS1 by the
    /// dictionary): its bracketed form, said to the clerk; not stored.
    public var readAs: String?

    public init(lot: String? = nil, expiry: String? = nil, serial: String? = nil, netQuantity: String? = nil, readAs: String? = nil) {
        self.readAs = readAs
        self.lot = lot
        self.expiry = expiry
        self.serial = serial
        self.netQuantity = netQuantity
    }

    public var isEmpty: Bool { lot == nil && expiry == nil && serial == nil && netQuantity == nil }

    /// `批号 L1 · 有效期 2026-05-31 · 序列号 S9 / lot L1 · expiry …`, empty when nothing is known.
    public var summary: String {
        var zh: [String] = [], en: [String] = []
        if let lot { zh.append("批号 \(lot)"); en.append("lot \(lot)") }
        if let expiry { zh.append("有效期 \(expiry)"); en.append("expiry \(expiry)") }
        if let serial { zh.append("序列号 \(serial)"); en.append("serial \(serial)") }
        if let netQuantity { zh.append("净含量 \(netQuantity)"); en.append("net \(netQuantity)") }
        return zh.isEmpty ? "" : zh.joined(separator: " · ") + " / " + en.joined(separator: " · ")
    }
}

/// A request to move stock, before the store has accepted it.
///
/// Every movement is one fact: `quantity` (always positive) leaves `fromBin` and arrives in
/// `toBin`. A receive has only `toBin`, an issue only `fromBin`, a transfer both; an
/// adjustment or count uses `toBin` for a surplus and `fromBin` for a shortage.
public struct MovementDraft: Sendable, Hashable {
    /// Idempotency key: recording a draft whose key is already stored changes nothing.
    public var key: UUID
    public var kind: MovementKind
    public var partNumber: String
    public var quantity: Int
    public var fromBin: String?
    public var toBin: String?
    /// The work order (工单号) parts are issued to or returned from.
    public var workOrder: String?
    /// Why: required for adjustments, filled in for counts and reversals.
    public var reason: String?
    /// The key of the movement this one undoes (reversals only).
    public var reverses: UUID?
    /// The stocktake this count adjustment belongs to.
    public var stocktakeID: UUID?
    /// The scanned text that caused the movement, when it came from a scan.
    public var scanText: String?
    /// What the item's GS1 code said about it: lot (AI 10), expiry (AI 17), serial (AI 21)
    /// and net quantity (AI 310n–369n).
    public var trace: ItemTrace
    public var deviceID: String
    public var actor: String
    public var recordedAt: Date

    public init(
        key: UUID = UUID(), kind: MovementKind, partNumber: String, quantity: Int,
        fromBin: String? = nil, toBin: String? = nil, workOrder: String? = nil,
        reason: String? = nil, reverses: UUID? = nil, stocktakeID: UUID? = nil,
        scanText: String? = nil, trace: ItemTrace = ItemTrace(), deviceID: String, actor: String, recordedAt: Date = Date()
    ) {
        self.trace = trace
        self.key = key
        self.kind = kind
        self.partNumber = partNumber
        self.quantity = quantity
        self.fromBin = fromBin
        self.toBin = toBin
        self.workOrder = workOrder
        self.reason = reason
        self.reverses = reverses
        self.stocktakeID = stocktakeID
        self.scanText = scanText
        self.deviceID = deviceID
        self.actor = actor
        self.recordedAt = recordedAt
    }

    /// The most one movement may move (a million pieces): more is a typing error or a forged
    /// push, and a bound keeps every balance sum far from overflowing.
    public static let maximumQuantity = 1_000_000

    /// Checks the shape of the draft (not the stock): the bins its kind needs, a quantity in
    /// 1…``maximumQuantity``, a work order for an issue, a reason for an adjustment.
    public func validate() throws(StockError) {
        guard quantity > 0, quantity <= Self.maximumQuantity else { throw .invalidQuantity(quantity) }
        switch kind {
        case .receive, .return, .transferIn:
            guard toBin != nil, fromBin == nil else { throw .binsDoNotFit(kind) }
        case .transferOut:
            guard fromBin != nil, toBin == nil else { throw .binsDoNotFit(kind) }
        case .supplierReturn:
            guard fromBin != nil, toBin == nil else { throw .binsDoNotFit(kind) }
            if (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty { throw .reasonRequired }
        case .issue:
            guard fromBin != nil, toBin == nil else { throw .binsDoNotFit(kind) }
            guard let wo = workOrder, !wo.isEmpty else { throw .workOrderRequired }
        case .transfer:
            guard let from = fromBin, let to = toBin else { throw .binsDoNotFit(kind) }
            guard from != to else { throw .transferToSameBin(from) }
        case .adjust, .count, .reversal:
            guard (fromBin == nil) != (toBin == nil) || kind == .reversal else { throw .binsDoNotFit(kind) }
            guard fromBin != nil || toBin != nil else { throw .binsDoNotFit(kind) }
            if kind == .adjust, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw .reasonRequired
            }
            if kind == .reversal, reverses == nil { throw .binsDoNotFit(kind) }
        }
    }
}

/// A stock movement as stored: the draft plus the local monotonic sequence number.
public struct StockMovement: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stock_movement"

    /// Local monotonic sequence (the row id): the order movements were committed on this device.
    public var seq: Int64?
    public var key: UUID
    public var kind: MovementKind
    public var partNumber: String
    public var quantity: Int
    public var fromBin: String?
    public var toBin: String?
    public var workOrder: String?
    public var reason: String?
    public var reverses: UUID?
    public var stocktakeID: UUID?
    public var scanText: String?
    /// Lot (AI 10) of the item moved, when its code carried one.
    public var lot: String?
    /// Expiry date (AI 17) as `yyyy-MM-dd`.
    public var expiry: String?
    /// Serial number (AI 21).
    public var serial: String?
    /// Net quantity (AI 310n–369n) with its unit, e.g. `4.5 l`.
    public var netQuantity: String?
    public var deviceID: String
    public var actor: String
    public var recordedAt: Date

    /// What the item's code said about it.
    public var trace: ItemTrace { ItemTrace(lot: lot, expiry: expiry, serial: serial, netQuantity: netQuantity) }

    public init(_ draft: MovementDraft) {
        lot = draft.trace.lot
        expiry = draft.trace.expiry
        serial = draft.trace.serial
        netQuantity = draft.trace.netQuantity
        key = draft.key
        kind = draft.kind
        partNumber = draft.partNumber
        quantity = draft.quantity
        fromBin = draft.fromBin
        toBin = draft.toBin
        workOrder = draft.workOrder
        reason = draft.reason
        reverses = draft.reverses
        stocktakeID = draft.stocktakeID
        scanText = draft.scanText
        deviceID = draft.deviceID
        actor = draft.actor
        recordedAt = draft.recordedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }

    /// The net change this movement makes to each bin it touches.
    public var deltas: [(bin: String, delta: Int)] {
        var result: [(String, Int)] = []
        if let fromBin { result.append((fromBin, -quantity)) }
        if let toBin { result.append((toBin, quantity)) }
        return result
    }
}

/// What the store says about a movement it was asked to record.
public enum MovementOutcome: Sendable, Hashable {
    /// Stored now, durably.
    case recorded(StockMovement, alerts: [StockAlert])
    /// The key was already stored: nothing changed; the stored movement is returned.
    case alreadyRecorded(StockMovement)

    public var movement: StockMovement {
        switch self {
        case .recorded(let m, _), .alreadyRecorded(let m): m
        }
    }
}
