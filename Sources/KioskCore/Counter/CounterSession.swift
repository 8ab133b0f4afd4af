import Foundation

/// A scan after the catalog has been consulted: what it names in this store.
public enum ResolvedScan: Sendable, Hashable {
    case command(CounterCommand)
    case bin(String)
    case workOrder(String)
    case badge(String)
    case appointment(String)
    /// A part, with the quantity the code itself carries (GS1 AI 30/37), if any.
    case part(Part, codeQuantity: Int?)
    /// A vehicle identification number (a VIN label, typed, or a yard car).
    case vehicle(VIN)
    case unknown(String)
    case malformed(String)
}

/// The state of one parts counter between scans: the mode, the bin, the work order, a
/// pending quantity and what can be undone. Pure: ``handle(_:)`` decides, the store applies.
///
/// The session is saved with each scan in the same transaction, so a restart, or the
/// `kioskd scan` command in another process, carries on where the counter was.
public struct CounterSession: Codable, Sendable, Hashable {
    /// An entry that ``CounterCommand/undo`` can compensate.
    public enum UndoEntry: Codable, Sendable, Hashable {
        case movement(UUID)
        case countScan(UUID, stocktake: UUID, partNumber: String, bin: String, quantity: Int)
    }

    public var mode: CounterMode = .lookup
    /// The bin part scans go to or come from; in transfer mode, the source bin.
    public var bin: String?
    /// The destination bin in transfer mode.
    public var targetBin: String?
    public var workOrder: String?
    /// The quantity the next part scan counts, set by `KD:CMD:QTY:n`.
    public var pendingQuantity: Int?
    /// The person scanning, set by a badge; the device's default actor when `nil`.
    public var badge: String?
    /// The stocktake part scans count into, in count mode.
    public var stocktakeID: UUID?
    /// Newest last; capped at ``undoDepth``.
    public var undoStack: [UndoEntry] = []

    public static let undoDepth = 20

    public init(mode: CounterMode = .lookup) { self.mode = mode }

    /// What the store should do for a scan.
    public enum Action: Sendable, Hashable {
        /// Only the session changed; say this to the clerk.
        case context(String)
        case move(kind: MovementKind, part: Part, quantity: Int, fromBin: String?, toBin: String?, workOrder: String?)
        /// Count mode: add to the stocktake covering `bin`, opening one for the bin if none is open.
        case count(part: Part, quantity: Int, bin: String)
        /// Count mode: a bin was scanned: join the stocktake covering it, or open one.
        case openCount(bin: String)
        case lookup(Part)
        /// A badge scanned at a bay: clock the technician on or off the bay's job.
        case clockToggle(badge: String)
        case checkIn(appointment: String)
        /// Look-up mode at the service desk: find or open the vehicle's work order.
        case checkInVehicle(VIN)
        case moveVehicle(VIN, toBin: String)
        case countVehicle(VIN, bin: String)
        /// Yard count mode entered: join the open yard stocktake or open one.
        case openYardCount
        case closeYardCount
        case undo(UndoEntry)
        case closeCount(UUID)
        case confirmCount(UUID)
        case reject(String)
    }

    /// Decides what a scan does and returns the next session. A rejected scan leaves the
    /// session as it was.
    public func handle(_ scan: ResolvedScan) -> (CounterSession, Action) {
        var next = self
        switch scan {
        case .malformed(let reason):
            return (self, .reject(reason))
        case .unknown(let text):
            return (self, .reject("未知条码 \(text)：不是已登记的配件或库位 / unknown code \(text): not a registered part or bin"))
        case .badge(let badge):
            next.badge = badge
            return (next, .clockToggle(badge: badge))
        case .appointment(let code):
            return (next, .checkIn(appointment: code))
        case .vehicle(let vin):
            switch mode {
            case .lookup:
                return (next, .checkInVehicle(vin))
            case .yardMove:
                guard let bin else { return (self, .reject("车场移位：请先扫描目标车位 / yard move: scan the yard bin the car goes to first")) }
                return (next, .moveVehicle(vin, toBin: bin))
            case .yardCount:
                guard let bin else { return (self, .reject("车场盘点：请先扫描所在车位 / yard count: scan the yard bin you are counting first")) }
                return (next, .countVehicle(vin, bin: bin))
            default:
                return (self, .reject("车架号在查询（接车）、车场移位和车场盘点模式下使用；当前模式：\(mode.nameZh) / a VIN is for look-up (check-in), yard move and yard count modes; the counter is in \(mode.rawValue) mode"))
            }
        case .workOrder(let wo):
            next.workOrder = wo
            return (next, .context("工单 \(wo) / work order \(wo)"))
        case .bin(let code):
            return next.scannedBin(code)
        case .command(let command):
            return next.command(command)
        case .part(let part, let codeQuantity):
            let quantity = pendingQuantity ?? codeQuantity ?? 1
            next.pendingQuantity = nil
            let bin = self.bin ?? part.defaultBin
            switch mode {
            case .lookup:
                return (next, .lookup(part))
            case .receive, .return:
                guard let bin else { return (self, .reject(Self.scanBinFirst)) }
                return (next, .move(kind: mode == .receive ? .receive : .return, part: part, quantity: quantity,
                                    fromBin: nil, toBin: bin, workOrder: workOrder))
            case .issue:
                guard let workOrder else {
                    return (self, .reject("出库需要工单：请先扫描工单 / issuing needs a work order: scan the ticket first"))
                }
                guard let bin else { return (self, .reject(Self.scanBinFirst)) }
                return (next, .move(kind: .issue, part: part, quantity: quantity, fromBin: bin, toBin: nil, workOrder: workOrder))
            case .transfer:
                guard let from = self.bin, let to = targetBin else {
                    return (self, .reject("移库需要先扫来源库位，再扫目标库位 / transfer: scan the source bin, then the destination bin"))
                }
                return (next, .move(kind: .transfer, part: part, quantity: quantity, fromBin: from, toBin: to, workOrder: nil))
            case .count:
                guard let bin = self.bin else {
                    return (self, .reject("盘点：请先扫描要盘点的库位 / count: scan the bin you are counting first"))
                }
                return (next, .count(part: part, quantity: quantity, bin: bin))
            case .yardMove, .yardCount:
                return (self, .reject("车场模式只扫车架号，不扫配件 / yard modes take VINs, not parts: scan CANCEL or a parts mode"))
            }
        }
    }

    private static let scanBinFirst = "请先扫描库位（该配件没有默认库位）/ scan a bin first (this part has no default bin)"

    private func scannedBin(_ code: String) -> (CounterSession, Action) {
        var next = self
        switch mode {
        case .transfer:
            if bin != nil, targetBin == nil {
                guard code != bin else {
                    return (self, .reject("目标库位与来源相同 / destination is the source bin \(code): scan another bin"))
                }
                next.targetBin = code
                return (next, .context("移库 \(bin!) → \(code) / transfer \(bin!) → \(code)"))
            }
            next.bin = code
            next.targetBin = nil
            return (next, .context("来源库位 \(code)，请扫描目标库位 / from bin \(code): scan the destination bin"))
        case .count:
            next.bin = code
            return (next, .openCount(bin: code))
        default:
            next.bin = code
            return (next, .context("库位 \(code) / bin \(code)"))
        }
    }

    private func command(_ command: CounterCommand) -> (CounterSession, Action) {
        var next = self
        switch command {
        case .mode(let mode):
            next.mode = mode
            next.targetBin = nil
            if mode != .count { next.stocktakeID = nil }
            if mode == .transfer || mode == .yardMove || mode == .yardCount { next.bin = nil }
            if mode == .yardCount { return (next, .openYardCount) }
            return (next, .context("模式：\(mode.nameZh) / mode: \(mode.rawValue)"))
        case .quantity(let q):
            next.pendingQuantity = q
            return (next, .context("下一件数量 ×\(q) / next scan counts ×\(q)"))
        case .undo:
            guard let last = undoStack.last else { return (self, .reject(StockError.nothingToUndo.description)) }
            next.undoStack.removeLast()
            return (next, .undo(last))
        case .cancel:
            var reset = CounterSession()
            reset.badge = badge
            return (reset, .context("已取消，回到查询模式 / cancelled: back to look-up mode"))
        case .close where mode == .yardCount:
            return (next, .closeYardCount)
        case .close:
            guard let id = stocktakeID else { return (self, .reject(StocktakeError.noOpenStocktake.description)) }
            return (next, .closeCount(id))
        case .confirm:
            guard let id = stocktakeID else { return (self, .reject(StocktakeError.noOpenStocktake.description)) }
            next.stocktakeID = nil
            return (next, .confirmCount(id))
        }
    }

    /// Remembers an entry for undo.
    public mutating func pushUndo(_ entry: UndoEntry) {
        undoStack.append(entry)
        if undoStack.count > Self.undoDepth { undoStack.removeFirst(undoStack.count - Self.undoDepth) }
    }
}
