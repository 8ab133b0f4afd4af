import Foundation

/// A scan after the catalog has been consulted: what it names in this store.
public enum ResolvedScan: Sendable, Hashable {
    case command(CounterCommand)
    case bin(String)
    case workOrder(String)
    case badge(String)
    case appointment(String)
    /// A purchase order's code: its number.
    case purchaseOrder(String)
    /// An SSCC that names no carton between the chain's stores: a supplier's pallet or carton.
    case sscc(String)
    /// A part, with the quantity the code itself carries (GS1 AI 30/37), if any, and what
    /// its GS1 code says about the item (lot, expiry, serial, net quantity).
    case part(Part, codeQuantity: Int?, trace: ItemTrace = ItemTrace())
    /// A vehicle identification number (a VIN label, typed, or a yard car).
    case vehicle(VIN)
    /// A carton's SSCC label (GS1 AI 00) that names a transfer between the chain's stores.
    case carton(StoreTransfer)
    case unknown(String)
    case malformed(String)
    /// A work order unknown here, with the reason.
    case wrongOrder(String)
    /// A delivered or cancelled work order: parts may come back from it, not go to it.
    case closedWorkOrder(String, reason: String)
}

/// The state of one parts counter between scans: the mode, the bin, the work order, a
/// pending quantity and what can be undone. Pure: ``handle(_:)`` decides, the store applies.
///
/// The session is saved with each scan in the same transaction, so a restart, or the
/// `kioskd scan` command in another process, carries on where the counter was.
///
/// ## The rules (mode × input → effect)
///
/// | mode ↓ / input → | bin | work order | part | VIN | QTY / keypad |
/// |---|---|---|---|---|---|
/// | look-up 查询 | sets bin | shows it (kept for look-up only) | shows stock (uses up a pending quantity, books nothing) | checks the vehicle in | armed |
/// | receive 入库 | sets bin | **refused** (a receipt has no work order) | receive ×q into bin (or the part's default bin); a sister store's carton (SSCC) whole | refused | arms q |
/// | issue 出库 | sets bin | sets it if open (not delivered or cancelled) | issue ×q to the work order, from bin | refused | arms q |
/// | return 退料 | sets bin | sets it if known here, open or closed | return ×q from the work order (at most what it was issued, net of returns) | refused | arms q |
/// | transfer 移库 | 1st source, 2nd destination | refused | transfer ×q | refused | arms q |
/// | count 盘点 | opens or joins the bin's stocktake | refused | counts ×q (keypad 0 records an empty find) | refused | arms q, 0 allowed |
/// | yard move / yard count | sets the yard bin | refused | refused | moves / counts the car | refused |
///
/// What each effect clears is ``clears(_:)``, the one place it is decided:
/// a refusal of any kind disarms the pending quantity; a booked part scan uses it up; a mode
/// change clears the bin, the work order, the quantity and the open stocktake (a closed one
/// waiting for CONFIRM stays); CANCEL clears everything but the badge.
public struct CounterSession: Codable, Sendable, Hashable {
    /// An entry that ``CounterCommand/undo`` can compensate.
    public enum UndoEntry: Codable, Sendable, Hashable {
        case movement(UUID)
        case countScan(UUID, stocktake: UUID, partNumber: String, bin: String, quantity: Int)

        // The session is saved with every scan and holds up to 20 entries: a movement is
        // kept as one string ("m:<uuid>"), which costs a fraction of the nested containers of
        // Swift's synthesized enum coding. Sessions saved in that older form still decode.
        private enum Cases: String, CodingKey { case movement, countScan }
        private enum CountKeys: String, CodingKey { case _0, stocktake, partNumber, bin, quantity }
        private enum MovementKeys: String, CodingKey { case _0 }

        public init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                guard text.hasPrefix("m:"), let id = UUID(uuidString: String(text.dropFirst(2))) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an undo entry: \(text)"))
                }
                self = .movement(id)
                return
            }
            let c = try decoder.container(keyedBy: Cases.self)
            if c.contains(.movement) {
                self = .movement(try c.nestedContainer(keyedBy: MovementKeys.self, forKey: .movement).decode(UUID.self, forKey: ._0))
            } else {
                let n = try c.nestedContainer(keyedBy: CountKeys.self, forKey: .countScan)
                self = .countScan(try n.decode(UUID.self, forKey: ._0), stocktake: try n.decode(UUID.self, forKey: .stocktake),
                                  partNumber: try n.decode(String.self, forKey: .partNumber), bin: try n.decode(String.self, forKey: .bin),
                                  quantity: try n.decode(Int.self, forKey: .quantity))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .movement(let id):
                var c = encoder.singleValueContainer()
                try c.encode("m:" + id.uuidString)
            case let .countScan(id, stocktake, partNumber, bin, quantity):
                var c = encoder.container(keyedBy: Cases.self)
                var n = c.nestedContainer(keyedBy: CountKeys.self, forKey: .countScan)
                try n.encode(id, forKey: ._0)
                try n.encode(stocktake, forKey: .stocktake)
                try n.encode(partNumber, forKey: .partNumber)
                try n.encode(bin, forKey: .bin)
                try n.encode(quantity, forKey: .quantity)
            }
        }
    }

    public var mode: CounterMode = .lookup
    /// The bin part scans go to or come from; in transfer mode, the source bin.
    public var bin: String?
    /// The destination bin in transfer mode.
    public var targetBin: String?
    public var workOrder: String?
    /// The quantity the next part scan counts, set by `KD:CMD:QTY:n` or typed on the keypad.
    public var pendingQuantity: Int?
    /// Whether ``pendingQuantity`` is being typed digit by digit (`KD:CMD:KEY:d`), so that
    /// the next digit appends to it.
    public var quantityTyped: Bool = false
    /// The person scanning, set by a badge; the device's default actor when `nil`.
    public var badge: String?
    /// The stocktake part scans count into, in count mode.
    public var stocktakeID: UUID?
    /// A stocktake this counter closed that waits for CONFIRM (kept across mode changes).
    public var closedStocktakeID: UUID?
    /// Newest last; capped at ``undoDepth``.
    public var undoStack: [UndoEntry] = []
    /// The supplier's delivery being received (receive mode, after a purchase order's code).
    public var delivery: UUID?
    /// Its order's number: another order's sheet is refused until this delivery is closed.
    public var deliveryOrder: String?
    /// An SSCC scanned before the order's code: the delivery it opens takes it.
    public var pendingSSCC: String?
    /// How the next part of the delivery came (DAMAGED, EXTRA); nil: as ordered.
    public var receiptCondition: DeliveryLine.Condition?

    public static let undoDepth = 20
    /// The largest quantity one scan can carry (`KD:CMD:QTY`, the keypad, a GS1 count); a
    /// store may set a lower one (`[counter] max_quantity_per_scan`).
    public static let maximumQuantity = 9999

    public init(mode: CounterMode = .lookup) { self.mode = mode }

    public init(from decoder: any Decoder) throws {
        // Sessions saved by older versions lack the newer fields.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(CounterMode.self, forKey: .mode)
        bin = try c.decodeIfPresent(String.self, forKey: .bin)
        targetBin = try c.decodeIfPresent(String.self, forKey: .targetBin)
        workOrder = try c.decodeIfPresent(String.self, forKey: .workOrder)
        pendingQuantity = try c.decodeIfPresent(Int.self, forKey: .pendingQuantity)
        quantityTyped = try c.decodeIfPresent(Bool.self, forKey: .quantityTyped) ?? false
        badge = try c.decodeIfPresent(String.self, forKey: .badge)
        stocktakeID = try c.decodeIfPresent(UUID.self, forKey: .stocktakeID)
        closedStocktakeID = try c.decodeIfPresent(UUID.self, forKey: .closedStocktakeID)
        undoStack = try c.decodeIfPresent([UndoEntry].self, forKey: .undoStack) ?? []
        delivery = try c.decodeIfPresent(UUID.self, forKey: .delivery)
        deliveryOrder = try c.decodeIfPresent(String.self, forKey: .deliveryOrder)
        pendingSSCC = try c.decodeIfPresent(String.self, forKey: .pendingSSCC)
        receiptCondition = try c.decodeIfPresent(DeliveryLine.Condition.self, forKey: .receiptCondition)
    }

    /// What happened to the session, for ``clears(_:)``.
    public enum Effect: Sendable, Hashable, CaseIterable {
        /// The scan was refused, by the session or by the store.
        case refused
        /// A part scan was booked, counted or looked up.
        case partScanned
        case modeChanged
        case cancelled
    }

    /// What an effect clears: the session's rules in one place.
    public mutating func clears(_ effect: Effect) {
        switch effect {
        case .refused, .partScanned:
            pendingQuantity = nil
            quantityTyped = false
            receiptCondition = nil
            pendingSSCC = nil
        case .modeChanged:
            pendingQuantity = nil
            quantityTyped = false
            bin = nil
            targetBin = nil
            workOrder = nil
            stocktakeID = nil
            delivery = nil
            deliveryOrder = nil
            pendingSSCC = nil
            receiptCondition = nil
        case .cancelled:
            self = CounterSession(badge: badge)
        }
    }

    private init(badge: String?) { self.badge = badge }

    /// The session after a refusal: as it was, with the pending quantity disarmed, so that a
    /// quantity never carries over to a scan the clerk did not mean it for.
    public func refused() -> CounterSession {
        var next = self
        next.clears(.refused)
        return next
    }

    /// What the store should do for a scan.
    public enum Action: Sendable, Hashable {
        /// Only the session changed; say this to the clerk.
        case context(String)
        case move(kind: MovementKind, part: Part, quantity: Int, fromBin: String?, toBin: String?, workOrder: String?,
                  trace: ItemTrace = ItemTrace())
        /// Receive mode: a sister store's carton, whole, into `bin` (the part's default bin when nil).
        case receiveCarton(sscc: String, bin: String?)
        /// Receive mode: open (or rejoin) a delivery against the order, with the SSCC scanned before it.
        case openDelivery(order: String, sscc: String?)
        /// Receive mode, in a delivery: its pallet's or carton's SSCC.
        case attachSSCC(String)
        /// Receive mode, in a delivery: a part received against the order (into `bin`, or
        /// quarantine when damaged).
        case receiveDelivered(part: Part, quantity: Int, bin: String?, condition: DeliveryLine.Condition, delivery: UUID, trace: ItemTrace)
        /// CLOSE in a delivery: close it and report the order's variance.
        case closeDelivery(UUID)
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
        /// Refused: say why; the outcome tells the lamp and buzzer what kind of refusal.
        case reject(String, ScanOutcome = .refused)
    }

    /// Decides what a scan does and returns the next session. A refused scan leaves the
    /// session as it was, except that a pending quantity is disarmed.
    public func handle(_ scan: ResolvedScan, maximumQuantity: Int = CounterSession.maximumQuantity) -> (CounterSession, Action) {
        let (next, action) = decide(scan, maximumQuantity: min(maximumQuantity, Self.maximumQuantity))
        if case .reject = action { return (refused(), action) }
        return (next, action)
    }

    private func decide(_ scan: ResolvedScan, maximumQuantity: Int) -> (CounterSession, Action) {
        var next = self
        switch scan {
        case .malformed(let reason):
            return (self, .reject(reason, .unknownCode))
        case .wrongOrder(let reason):
            return (self, .reject(reason, .wrong))
        case .unknown(let text):
            return (self, .reject("未知条码 \(text)：不是已登记的配件或库位 / unknown code \(text): not a registered part or bin", .unknownCode))
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
        case .closedWorkOrder(let wo, let reason):
            switch mode {
            case .return, .lookup:
                next.workOrder = wo
                return (next, .context("工单 \(wo)（已关闭，可退料）/ work order \(wo) (closed: parts can come back from it)"))
            case .issue:
                return (self, .reject(reason, .wrong))
            default:
                return (self, .reject("\(mode.nameZh)模式不用工单：出库或退料请先扫描模式码 / \(mode.rawValue) mode takes no work order: scan ISSUE or RETURN first", .wrong))
            }
        case .workOrder(let wo):
            switch mode {
            case .issue, .return, .lookup:
                next.workOrder = wo
                return (next, .context("工单 \(wo) / work order \(wo)"))
            default:
                return (self, .reject("\(mode.nameZh)模式不用工单：出库或退料请先扫描模式码 / \(mode.rawValue) mode takes no work order: scan ISSUE or RETURN first", .wrong))
            }
        case .bin(let code):
            return next.scannedBin(code)
        case .purchaseOrder(let number):
            guard mode == .receive else {
                return (self, .reject("采购单在入库模式下收货：请先扫描入库码 / a purchase order is received in receive mode: scan RECEIVE first", .wrong))
            }
            if delivery != nil, let open = deliveryOrder, open != number {
                return (self, .reject(PurchasingError.deliveryOpen(order: open).description, .wrong))
            }
            next.pendingSSCC = nil
            next.receiptCondition = nil
            return (next, .openDelivery(order: number, sscc: pendingSSCC))
        case .sscc(let code):
            guard mode == .receive else { return (self, .reject(TransferError.unknownCarton(code).description, .unknownCode)) }
            if delivery != nil { return (next, .attachSSCC(code)) }
            next.pendingSSCC = code
            return (next, .context("SSCC \(code)：请扫描该货的采购单 / SSCC \(code): scan the purchase order it comes against (a sister store's carton not yet synced here is not known)"))
        case .carton(let transfer):
            guard transfer.incoming else { return (self, .reject(TransferError.notForThisStore(sscc: transfer.sscc, toStore: transfer.toStore).description, .wrong)) }
            guard mode == .receive else {
                return (self, .reject("调拨箱在入库模式下收货：请先扫描入库码 / a carton from a sister store is received in receive mode: scan RECEIVE first", .wrong))
            }
            guard pendingQuantity == nil else { return (self, .reject(TransferError.wholeCartonOnly(transfer.sscc).description, .wrong)) }
            next.clears(.partScanned)
            return (next, .receiveCarton(sscc: transfer.sscc, bin: bin))
        case .command(let command):
            return next.command(command, maximumQuantity: maximumQuantity)
        case let .part(part, codeQuantity, trace):
            if pendingQuantity != nil, let codeQuantity {
                return (self, .reject("条码自带数量 ×\(codeQuantity)，又输入了数量 ×\(pendingQuantity!)：请只用一个 / the code carries a count ×\(codeQuantity) and ×\(pendingQuantity!) was keyed: use one"))
            }
            let quantity = pendingQuantity ?? codeQuantity ?? 1
            if quantity > maximumQuantity {
                return (self, .reject("单次数量 ×\(quantity) 超过上限 \(maximumQuantity)：请分次扫描或改用库存调整 / ×\(quantity) is more than one scan may carry (\(maximumQuantity)): split it, or use an adjustment"))
            }
            if trace.serial != nil, quantity != 1 {
                return (self, .reject("带序列号的配件一件一扫，不能带数量 ×\(quantity) / a part with a serial number is one item: scan each, without a quantity (×\(quantity))"))
            }
            if quantity == 0, mode != .count {
                return (self, .reject("数量 0 只用于盘点（记录空库位）/ a quantity of 0 is only for counting (an empty find)"))
            }
            next.clears(.partScanned)
            let bin = self.bin ?? part.defaultBin
            switch mode {
            case .lookup:
                return (next, .lookup(part))
            case .receive where delivery == nil && pendingSSCC != nil:
                return (self, .reject("已扫 SSCC \(pendingSSCC!)：请先扫该货的采购单（或再扫此件作为普通入库）/ SSCC \(pendingSSCC!) was scanned: scan its purchase order first (or scan this part again to receive it plainly)", .wrong))
            case .receive where delivery != nil:
                let condition = receiptCondition ?? .ordered
                guard bin != nil || condition == .damaged else { return (self, .reject(Self.scanBinFirst)) }
                return (next, .receiveDelivered(part: part, quantity: quantity, bin: self.bin, condition: condition, delivery: delivery!, trace: trace))
            case .receive:
                guard let bin else { return (self, .reject(Self.scanBinFirst)) }
                return (next, .move(kind: .receive, part: part, quantity: quantity, fromBin: nil, toBin: bin, workOrder: nil, trace: trace))
            case .return:
                guard let workOrder else {
                    return (self, .reject("退料需要工单：请先扫描工单 / a return needs the work order the parts came from: scan the ticket first"))
                }
                guard let bin else { return (self, .reject(Self.scanBinFirst)) }
                return (next, .move(kind: .return, part: part, quantity: quantity, fromBin: nil, toBin: bin, workOrder: workOrder, trace: trace))
            case .issue:
                guard let workOrder else {
                    return (self, .reject("出库需要工单：请先扫描工单 / issuing needs a work order: scan the ticket first"))
                }
                guard let bin else { return (self, .reject(Self.scanBinFirst)) }
                return (next, .move(kind: .issue, part: part, quantity: quantity, fromBin: bin, toBin: nil, workOrder: workOrder, trace: trace))
            case .transfer:
                guard let from = self.bin, let to = targetBin else {
                    return (self, .reject("移库需要先扫来源库位，再扫目标库位 / transfer: scan the source bin, then the destination bin"))
                }
                return (next, .move(kind: .transfer, part: part, quantity: quantity, fromBin: from, toBin: to, workOrder: nil, trace: trace))
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

    private func command(_ command: CounterCommand, maximumQuantity: Int) -> (CounterSession, Action) {
        var next = self
        switch command {
        case .mode(let mode):
            next.clears(.modeChanged)
            next.mode = mode
            if mode == .yardCount { return (next, .openYardCount) }
            return (next, .context("模式：\(mode.nameZh) / mode: \(mode.rawValue)" + leftOpen))
        case .quantity(let q):
            guard mode != .yardMove, mode != .yardCount else {
                return (self, .reject("车场模式不用数量 / yard modes take no quantity"))
            }
            next.pendingQuantity = q
            next.quantityTyped = false
            return (next, .context("下一件数量 ×\(q) / next scan counts ×\(q)"))
        case .digit(let d):
            guard mode != .yardMove, mode != .yardCount else {
                return (self, .reject("车场模式不用数量 / yard modes take no quantity"))
            }
            // A saved session is read back from the store: whatever it holds, a digit never
            // overflows (found by fuzzing: a huge typed quantity, then one more digit).
            let shifted = (pendingQuantity ?? 0).multipliedReportingOverflow(by: 10)
            let appended = shifted.partialValue.addingReportingOverflow(d)
            let typed = !quantityTyped ? d : (shifted.overflow || appended.overflow ? Int.max : appended.partialValue)
            guard (0...maximumQuantity).contains(typed) else {
                return (self, .reject("数量最多 \(maximumQuantity)，已清除，请重新输入 / a quantity is at most \(maximumQuantity): cleared, key it again"))
            }
            next.pendingQuantity = typed
            next.quantityTyped = true
            return (next, .context("数量 ×\(typed)（继续按数字，或扫描配件）/ quantity ×\(typed) (key more digits, or scan the part)"))
        case .undo:
            guard let last = undoStack.last else { return (self, .reject(StockError.nothingToUndo.description)) }
            next.clears(.partScanned)
            next.undoStack.removeLast()
            return (next, .undo(last))
        case .cancel:
            next.clears(.cancelled)
            return (next, .context("已取消，回到查询模式 / cancelled: back to look-up mode" + leftOpen))
        case .close where mode == .yardCount:
            return (next, .closeYardCount)
        case .close where delivery != nil:
            next.delivery = nil
            next.deliveryOrder = nil
            next.receiptCondition = nil
            return (next, .closeDelivery(delivery!))
        case .damaged, .extra:
            guard mode == .receive, delivery != nil else { return (self, .reject(PurchasingError.noDeliveryOpen.description)) }
            next.receiptCondition = command == .damaged ? .damaged : .extra
            return (next, .context(command == .damaged
                ? "下一件为损坏件，放入隔离区 / the next part came damaged: it goes to quarantine, not stock"
                : "下一件为多送（不在采购单上）/ the next part is extra: not on the order, taken in all the same"))
        case .close:
            guard let id = stocktakeID else { return (self, .reject(StocktakeError.noOpenStocktake.description)) }
            next.stocktakeID = nil
            next.closedStocktakeID = id
            return (next, .closeCount(id))
        case .confirm:
            guard let id = closedStocktakeID ?? stocktakeID else {
                return (self, .reject(StocktakeError.noClosedStocktake.description))
            }
            if next.stocktakeID == id { next.stocktakeID = nil }
            next.closedStocktakeID = nil
            return (next, .confirmCount(id))
        }
    }

    /// Said when the clerk leaves a delivery without CLOSE: it stays open, to be rejoined.
    private var leftOpen: String {
        guard delivery != nil else { return "" }
        return "\n⚠ 收货未结束：再扫该采购单可继续，并扫结束码 / the delivery is still open: scan its order's sheet to go on, then CLOSE"
    }

    /// Remembers an entry for undo.
    public mutating func pushUndo(_ entry: UndoEntry) {
        undoStack.append(entry)
        if undoStack.count > Self.undoDepth { undoStack.removeFirst(undoStack.count - Self.undoDepth) }
    }
}
