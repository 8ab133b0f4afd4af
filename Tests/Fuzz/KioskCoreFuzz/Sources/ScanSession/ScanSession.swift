// libFuzzer target for the counter's session state machine (CounterSession.handle): the fuzz
// bytes are a counter's day, a sequence of scans (commands, bins, parts, tickets, VINs, badges,
// and raw text through ScanClassifier), resolved against a small fixed catalogue the way
// Counter.resolve does, handed to the session one by one, and the store's part of each scan
// (Counter.apply: undo entries, the stocktake a bin opens, refusals) played by a model below.
// Every step checks the rules the session's doc comments and the README's counter table
// promise; a broken one stops the run with the input that did it.
//
// Input: byte 0 picks the store's max_quantity_per_scan; then one opcode per scan, some with
// payload bytes. An opcode with its top three bits set has the store refuse the scan (stock,
// a closed job, a stocktake...), as Counter.apply can.
// An input starting with `{` is instead a saved session (the counter_session row): decoding
// it never crashes, and what decodes survives a round trip.

import Foundation
import KioskCore

// The catalogue: one part with a default bin, one without; two barcodes; four bins.
let parts = [
    Part(partNumber: "15400-RTA-003", nameZh: "机油滤清器", nameEn: "Oil filter", defaultBin: "A-01"),
    Part(partNumber: "08798-9036", nameZh: "机油", nameEn: "Engine oil"),
]
let barcodes = ["6901234567892": 0, "4006381333931": 1, "09501101530003": 0, "06901234567892": 0, "04006381333931": 1]
let bins = ["A-01", "A-02", "B-01", "Y-01"]
let openTicket = "WO-1", closedTicket = "WO-2"
let vins = ["1M8GDM9AXKP042788", "LSVAU2180N2183294"].map { try! VIN.parse($0) }
/// Two purchase orders' sheets (`KD:PO:`), a supplier's SSCC, and a sister store's carton for
/// this store and one for another (the SSCCs have their check digit).
let orders = ["PO-1", "PO-2"]
let supplierSSCC = "106141411234567897"
let cartons = [true, false].map { incoming in
    StoreTransfer(sscc: incoming ? "006901234000000018" : "006901234000000025", fromStore: "S2", toStore: incoming ? "S1" : "S3",
                  incoming: incoming, partNumber: parts[0].partNumber, quantity: 4, fromBin: "A-01",
                  shippedAt: Date(timeIntervalSince1970: 1_780_000_000), shippedBy: "C2", shipMovementKey: UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF)))
}
/// GS1 expiry dates are read against a fixed day, so that an input does the same on any day.
let reference = Date(timeIntervalSince1970: 1_780_000_000)

func fuzzScanSession(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if bytes.first == UInt8(ascii: "{") {
        checkSavedSession(Data(bytes))
        return 0
    }
    var input = Input(bytes: bytes)
    let maximum: Int = switch (input.byte() ?? 0) % 4 {
    case 0, 1: CounterSession.maximumQuantity
    case 2: 1 + input.u16() % CounterSession.maximumQuantity       // a store's lower cap
    default: CounterSession.maximumQuantity + input.u16()           // above the hard cap: clamped
    }
    var store = StoreModel()
    var session = CounterSession()
    while let op = input.byte() {
        let scan = nextScan(op & 0x1F, &input)
        let (next, action) = session.handle(scan, maximumQuantity: maximum)
        checkStep(from: session, scan: scan, to: next, action: action, maximum: min(maximum, CounterSession.maximumQuantity))
        session = store.apply(action, before: session, after: next, refuses: op & 0xE0 == 0xE0)
        checkState(session, maximum: min(maximum, CounterSession.maximumQuantity))
    }
    // The session is saved with each scan (JSON in counter_session): it comes back the same.
    let saved = try! JSONEncoder().encode(session)
    let loaded = try! JSONDecoder().decode(CounterSession.self, from: saved)
    check(loaded == session && loaded.hashValue == session.hashValue, "session JSON round trip: \(String(decoding: saved, as: UTF8.self))")
    return 0
}

/// What Counter.apply does to the session after the session decided (the store's part).
struct StoreModel {
    var ids = 0
    /// The stocktake each bin has open (StocktakeBook.openStocktake(covering:)).
    var openStocktakes: [String: UUID] = [:]
    /// The delivery each order has open at this counter (rejoined by scanning its sheet again).
    var openDeliveries: [String: UUID] = [:]

    mutating func newID() -> UUID {
        ids += 1
        let n = UInt64(ids)
        return UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, UInt8(n >> 40 & 0xFF), UInt8(n >> 32 & 0xFF),
                           UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)))
    }

    mutating func apply(_ action: CounterSession.Action, before: CounterSession, after: CounterSession, refuses: Bool) -> CounterSession {
        if case .reject = action { return after }
        // A refusal by the store: the session as it was, the quantity disarmed; an undo entry
        // that cannot be undone leaves the list.
        func refused() -> CounterSession {
            var s = before.refused()
            if case .undo = action { s.undoStack.removeLast() }
            return s
        }
        if refuses { return refused() }
        var s = after
        switch action {
        case .move, .receiveDelivered:
            s.pushUndo(.movement(newID()))
        case .openDelivery(let order, _):
            let id = openDeliveries[order] ?? newID()
            openDeliveries[order] = id
            (s.delivery, s.deliveryOrder) = (id, order)
        case .closeDelivery(let id):
            openDeliveries = openDeliveries.filter { $0.value != id }
            s.undoStack.removeAll()
        case .receiveCarton:
            s.undoStack.removeAll()
        case let .count(part, quantity, bin):
            guard let id = s.stocktakeID else { return refused() }   // StocktakeError.noOpenStocktake
            s.pushUndo(.countScan(newID(), stocktake: id, partNumber: part.partNumber, bin: bin, quantity: quantity))
        case .openCount(let bin):
            let id = openStocktakes[bin] ?? newID()
            openStocktakes[bin] = id
            s.stocktakeID = id
        case .closeCount(let id):
            openStocktakes = openStocktakes.filter { $0.value != id }
        case .confirmCount:
            s.undoStack.removeAll()
        case .closeYardCount:
            s.mode = .lookup
            s.bin = nil
        case .checkInVehicle:
            s.workOrder = "WO-V"
        default:
            break
        }
        return s
    }
}

struct Input {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    mutating func byte() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func u16() -> Int { Int(byte() ?? 0) << 8 | Int(byte() ?? 0) }
    /// A length byte (at most 64) and that many bytes, as a scanner's text.
    mutating func text() -> String {
        let n = min(Int(byte() ?? 0) & 0x3F, bytes.count - at)
        defer { at += n }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<at + n]), as: UTF8.self)
    }
}

/// The next scan. Most are made directly, as Counter.resolve would give them (commands in the
/// classifier's ranges); kioskd's codes typed with a quantity, GS1 codes and raw text go
/// through ScanClassifier and the resolution below. (The classifier itself is fuzzed by
/// fuzz-scan-inputs; here it costs most of the time, so it is used where it adds cases.)
func nextScan(_ op: UInt8, _ input: inout Input) -> ResolvedScan {
    switch op {
    case 0, 1: return .command(.mode(CounterMode.allCases[Int(input.byte() ?? 0) % CounterMode.allCases.count]))
    case 2: return .command(.quantity(1 + input.u16() % CounterSession.maximumQuantity))
    case 3: return resolve("KD:CMD:QTY:\(input.u16())")                                 // 0 and above 9999 too
    case 4, 5, 6: return .command(.digit(Int((input.byte() ?? 0) % 10)))
    case 7: return .command(.undo)
    case 8: return .command(.cancel)
    case 9: return .command(.close)
    case 10: return .command(.confirm)
    case 11, 12, 13: return .bin(bins[Int(input.byte() ?? 0) % bins.count])
    case 14, 15: return .part(parts[Int(input.byte() ?? 0) % parts.count], codeQuantity: nil)
    case 16:
        // A part with what its GS1 code carried: a count (AI 30/37) and a serial (AI 21).
        let b = input.byte() ?? 0
        let count: Int? = b & 1 == 0 ? nil : [0, 1, 2, 50, 9999, 10_000, 99_999_999][Int(b >> 1) % 7]
        let trace = ItemTrace(lot: b & 0x10 == 0 ? nil : "L1", serial: b & 0x20 == 0 ? nil : "S\(b)")
        return .part(parts[Int(b >> 6) % parts.count], codeQuantity: count, trace: trace)
    case 17:
        // A GS1-128 of the first part with a count, and maybe a serial.
        let b = input.byte() ?? 0
        return resolve("]C10109501101530003" + (b & 1 == 0 ? "" : "30\(input.u16())\u{1D}") + (b & 2 == 0 ? "" : "21S\(b)"))
    case 18:
        switch (input.byte() ?? 0) % 3 {
        case 0: return .workOrder(openTicket)
        case 1: return .closedWorkOrder(closedTicket, reason: "工单 \(closedTicket) 已交车 / \(closedTicket) was delivered")
        default: return .wrongOrder("未知工单 WO-404 / unknown work order WO-404")
        }
    case 19, 20: return .vehicle(vins[Int(input.byte() ?? 0) % vins.count])
    case 21: return .badge("T\(input.byte() ?? 0)")
    case 22: return .appointment("A\(input.byte() ?? 0)")
    case 23: return .unknown("X\(input.byte() ?? 0)")
    case 24, 25: return .malformed("M")
    case 26: return .purchaseOrder(orders[Int(input.byte() ?? 0) % orders.count])
    case 27:
        // A supplier's SSCC, or a sister store's carton (for this store or another), as Counter.resolve reads them.
        let b = input.byte() ?? 0
        return b % 3 == 0 ? .sscc(supplierSSCC) : .carton(cartons[Int(b) % 2])
    case 28: return .command((input.byte() ?? 0) & 1 == 0 ? .damaged : .extra)
    default: return resolve(input.text())                                             // anything a scanner sends
    }
}

/// Counter.resolve against the fixed catalogue: the same cases, the store's look-ups replaced.
func resolve(_ text: String) -> ResolvedScan {
    switch ScanClassifier.classify(text) {
    case .command(let c): return .command(c)
    case .workOrder(let wo):
        if wo == openTicket { return .workOrder(wo) }
        if wo == closedTicket { return .closedWorkOrder(wo, reason: "工单 \(wo) 已交车 / \(wo) was delivered") }
        return .wrongOrder("未知工单 \(wo) / unknown work order \(wo)")
    case .badge(let b): return .badge(b)
    case .appointment(let code): return .appointment(code)
    case .purchaseOrder(let number): return .purchaseOrder(number)
    case .malformed(let reason): return .malformed(reason)
    case .bin(let code): return bins.contains(code) ? .bin(code) : .malformed("未知库位 \(code) / unknown bin \(code)")
    case .gs1(let gs1):
        if gs1.reading == .unprefixed, let i = barcodes[text] { return .part(parts[i], codeQuantity: nil) }
        if let sscc = gs1.sscc {
            if let carton = cartons.first(where: { $0.sscc == sscc }) { return .carton(carton) }
            if gs1.gtin == nil { return .sscc(sscc) }
        }
        guard let gtin = gs1.gtin else { return .malformed("GS1 code without a GTIN") }
        guard let i = barcodes[gtin] else { return .malformed("GTIN \(gtin) is not registered to a part") }
        return .part(parts[i], codeQuantity: gs1.count, trace: ItemTrace(gs1, reference: reference))
    case .code(let code):
        if let i = barcodes[code] ?? parts.firstIndex(where: { $0.partNumber == code }) { return .part(parts[i], codeQuantity: nil) }
        if bins.contains(code) { return .bin(code) }
        if looksLikeVIN(code) {
            do { return .vehicle(try VIN.parse(code)) } catch { return .malformed(error.description) }
        }
        return .unknown(code)
    }
}

/// Counter.looksLikeVIN (internal there).
func looksLikeVIN(_ text: String) -> Bool {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard t.count == 17 || (t.count == 18 && t.uppercased().hasPrefix("I")) else { return false }
    return t.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("broken invariant: \(message())") }
}

/// One handle(): the session's table (README "The rules", CounterSession's doc comments).
func checkStep(from s: CounterSession, scan: ResolvedScan, to n: CounterSession, action: CounterSession.Action, maximum m: Int) {
    func why() -> String { "\(scan) in \(s) -> \(action), \(n)" }
    var disarmed = s
    disarmed.pendingQuantity = nil
    disarmed.quantityTyped = false
    disarmed.receiptCondition = nil
    disarmed.pendingSSCC = nil
    // refused() and clears(.refused/.partScanned): the session as it was, the quantity, a
    // DAMAGED or EXTRA and an SSCC waiting for its order disarmed.
    check(s.refused() == disarmed, "refused() changed more than what waits for the next part: \(s)")
    if case .reject = action {
        // "A refused scan leaves the session as it was, except that a pending quantity is disarmed."
        check(n == disarmed, "a refusal changed the session: \(why())")
        return
    }
    let yard = s.mode == .yardMove || s.mode == .yardCount
    switch scan {
    case .malformed, .wrongOrder, .unknown:
        check(false, "accepted: \(why())")
    case .badge(let b):
        var e = s
        e.badge = b
        check(n == e && action == .clockToggle(badge: b), why())
    case .appointment(let code):
        check(n == s && action == .checkIn(appointment: code), why())
    case .vehicle(let vin):
        check(n == s, why())
        switch s.mode {
        case .lookup: check(action == .checkInVehicle(vin), why())
        case .yardMove: check(s.bin != nil && action == .moveVehicle(vin, toBin: s.bin!), why())
        case .yardCount: check(s.bin != nil && action == .countVehicle(vin, bin: s.bin!), why())
        default: check(false, "a VIN accepted outside look-up and the yard modes: \(why())")
        }
    case .purchaseOrder(let number):
        // Receive mode; another order's sheet is refused while a delivery is open.
        var e = s
        e.pendingSSCC = nil
        e.receiptCondition = nil
        check(s.mode == .receive && (s.delivery == nil || s.deliveryOrder == number) && n == e
              && action == .openDelivery(order: number, sscc: s.pendingSSCC), "purchase order: \(why())")
    case .sscc(let code):
        var e = s
        if s.delivery != nil {
            check(action == .attachSSCC(code), why())
        } else {
            e.pendingSSCC = code
        }
        check(s.mode == .receive && n == e, "SSCC: \(why())")
    case .carton(let carton):
        // Whole, in receive mode, for this store only, never with a quantity.
        var e = s
        e.clears(.partScanned)
        check(carton.incoming && s.mode == .receive && s.pendingQuantity == nil && n == e
              && action == .receiveCarton(sscc: carton.sscc, bin: s.bin), "carton: \(why())")
    case .command(.damaged), .command(.extra):
        var e = s
        e.receiptCondition = if case .command(.damaged) = scan { .damaged } else { .extra }
        check(s.mode == .receive && s.delivery != nil && n == e, "DAMAGED/EXTRA outside a delivery: \(why())")
    case .workOrder(let wo), .closedWorkOrder(let wo, _):
        let modes: [CounterMode] = if case .workOrder = scan { [.issue, .return, .lookup] } else { [.return, .lookup] }
        var e = s
        e.workOrder = wo
        check(modes.contains(s.mode) && n == e, "work order: \(why())")
    case .bin(let code):
        var e = s
        if s.mode == .transfer, s.bin != nil, s.targetBin == nil {
            check(code != s.bin, "transfer to its own source: \(why())")
            e.targetBin = code
        } else {
            e.bin = code
            if s.mode == .transfer { e.targetBin = nil }
        }
        check(n == e, "bin: \(why())")
        if s.mode == .count { check(action == .openCount(bin: code), why()) }
    case .command(.mode(let mode)):
        var e = s
        e.clears(.modeChanged)
        e.mode = mode
        // A mode change clears the bin, the work order, the quantity and the open stocktake;
        // a closed one waiting for CONFIRM, the badge and the undo list stay.
        check(e.bin == nil && e.targetBin == nil && e.workOrder == nil && e.pendingQuantity == nil && !e.quantityTyped
              && e.stocktakeID == nil && e.closedStocktakeID == s.closedStocktakeID && e.badge == s.badge && e.undoStack == s.undoStack,
              "clears(.modeChanged): \(e)")
        check(n == e && (action == .openYardCount) == (mode == .yardCount), "mode: \(why())")
    case .command(.cancel):
        // CANCEL clears everything but the badge: look-up mode.
        var e = CounterSession()
        e.badge = s.badge
        var cleared = s
        cleared.clears(.cancelled)
        check(n == e && cleared == e, "cancel: \(why())")
    case .command(.quantity(let q)):
        var e = s
        e.pendingQuantity = q
        e.quantityTyped = false
        check(!yard && n == e && (1...CounterSession.maximumQuantity).contains(q), "QTY: \(why())")
    case .command(.digit(let d)):
        let typed = s.quantityTyped ? (s.pendingQuantity ?? 0) * 10 + d : d
        var e = s
        e.pendingQuantity = typed
        e.quantityTyped = true
        check(!yard && typed <= m && n == e, "keypad: \(why())")
    case .command(.undo):
        var e = disarmed
        e.undoStack.removeLast()
        check(action == .undo(s.undoStack.last!) && n == e, "undo: \(why())")
    case .command(.close):
        if s.mode == .yardCount {
            check(n == s && action == .closeYardCount, why())
        } else if let delivery = s.delivery {
            var e = s
            (e.delivery, e.deliveryOrder, e.receiptCondition) = (nil, nil, nil)
            check(n == e && action == .closeDelivery(delivery), "close a delivery: \(why())")
        } else {
            var e = s
            e.stocktakeID = nil
            e.closedStocktakeID = s.stocktakeID
            check(s.stocktakeID != nil && action == .closeCount(s.stocktakeID!) && n == e, "close: \(why())")
        }
    case .command(.confirm):
        let id = s.closedStocktakeID ?? s.stocktakeID
        var e = s
        e.closedStocktakeID = nil
        if e.stocktakeID == id { e.stocktakeID = nil }
        check(id != nil && action == .confirmCount(id!) && n == e, "confirm: \(why())")
    case let .part(part, codeQuantity, trace):
        // The quantity: keyed, or the code's count, or 1; never both; at most the maximum; a
        // serialised item is one; 0 only when counting. A booked part scan uses the quantity up.
        let q = s.pendingQuantity ?? codeQuantity ?? 1
        check(!yard && !(s.pendingQuantity != nil && codeQuantity != nil) && q <= m && (trace.serial == nil || q == 1)
              && (q > 0 || s.mode == .count) && n == disarmed, "part: \(why())")
        switch (s.mode, action) {
        case (.lookup, .lookup(let p)):
            check(p == part, why())
        case let (.receive, .receiveDelivered(p, quantity, bin, condition, delivery, t)):
            // In a delivery: against it, as DAMAGED or EXTRA said (damaged goes to quarantine, needing no bin).
            let c = s.receiptCondition ?? .ordered
            check(s.delivery != nil && delivery == s.delivery && p == part && quantity == q && bin == s.bin && condition == c
                  && ((s.bin ?? part.defaultBin) != nil || c == .damaged) && t == trace, "receipt in a delivery: \(why())")
        case let (.receive, .move(kind, p, quantity, from, to, wo, t)):
            check(s.delivery == nil && s.pendingSSCC == nil && kind == .receive && p == part && quantity == q && from == nil && to != nil && to == (s.bin ?? part.defaultBin)
                  && wo == nil && t == trace, "receive: \(why())")
        case let (.issue, .move(kind, p, quantity, from, to, wo, t)):
            check(kind == .issue && p == part && quantity == q && from != nil && from == (s.bin ?? part.defaultBin) && to == nil
                  && wo != nil && wo == s.workOrder && t == trace, "issue: \(why())")
        case let (.return, .move(kind, p, quantity, from, to, wo, t)):
            check(kind == .return && p == part && quantity == q && from == nil && to != nil && to == (s.bin ?? part.defaultBin)
                  && wo != nil && wo == s.workOrder && t == trace, "return: \(why())")
        case let (.transfer, .move(kind, p, quantity, from, to, wo, t)):
            check(kind == .transfer && p == part && quantity == q && from == s.bin && to == s.targetBin && from != nil && to != nil
                  && from != to && wo == nil && t == trace, "transfer: \(why())")
        case let (.count, .count(p, quantity, bin)):
            check(p == part && quantity == q && bin == s.bin, "count: \(why())")
        default:
            check(false, "a part scan's action does not fit the mode: \(why())")
        }
        if case .move(_, _, let quantity, _, _, _, _) = action { check((1...m).contains(quantity), "move quantity: \(why())") }
        if case .count(_, let quantity, _) = action { check((0...m).contains(quantity), "count quantity: \(why())") }
    if case .receiveDelivered(_, let quantity, _, _, _, _) = action { check((1...m).contains(quantity), "receipt quantity: \(why())") }
    }
}

/// What holds between scans, the store's part included.
func checkState(_ s: CounterSession, maximum m: Int) {
    if let q = s.pendingQuantity {
        // 9999 at most, whatever the store's cap; a keyed (digit by digit) quantity within the
        // store's cap too. `KD:CMD:QTY:n` above a lower cap is armed and refused at the part
        // scan (CounterRulesTests: "A store's own cap").
        check((0...CounterSession.maximumQuantity).contains(q), "pending quantity \(q) in \(s)")
        check(!s.quantityTyped || q <= m, "keyed quantity \(q) above the cap \(m) in \(s)")
        check(q > 0 || s.quantityTyped, "a pending 0 that was not keyed in \(s)")
        check(s.mode != .yardMove && s.mode != .yardCount, "a pending quantity in a yard mode: \(s)")
    } else {
        check(!s.quantityTyped, "quantityTyped without a quantity: \(s)")
    }
    check(s.undoStack.count <= CounterSession.undoDepth, "undo stack of \(s.undoStack.count)")
    if let target = s.targetBin {
        check(s.mode == .transfer && s.bin != nil && s.bin != target, "destination bin outside transfer, or the source: \(s)")
    }
    check(s.stocktakeID == nil || s.mode == .count, "an open stocktake outside count mode: \(s)")
    check(s.workOrder == nil || [.issue, .return, .lookup].contains(s.mode), "a work order in \(s.mode) mode: \(s)")
    // A delivery is received in receive mode, under its order; what waits for its next part too.
    check(s.delivery == nil || (s.mode == .receive && s.deliveryOrder != nil), "a delivery outside receive mode: \(s)")
    check(s.receiptCondition == nil || s.delivery != nil, "DAMAGED/EXTRA waiting outside a delivery: \(s)")
    check(s.pendingSSCC == nil || (s.mode == .receive && s.delivery == nil), "an SSCC waiting for its order outside receive mode: \(s)")
}

/// A saved session as the store holds it (counter_session.state, possibly from an older
/// version, possibly damaged): decoding throws or gives a session that encodes to itself.
func checkSavedSession(_ json: Data) {
    guard let session = try? JSONDecoder().decode(CounterSession.self, from: json) else { return }
    let saved = try! JSONEncoder().encode(session)
    let loaded = try! JSONDecoder().decode(CounterSession.self, from: saved)
    check(loaded == session, "saved session round trip: \(String(decoding: json, as: UTF8.self))")
    // Any saved session, whatever quantity it holds, decides any scan without crashing (a
    // pending quantity near Int.max used to overflow on the next digit: found here, fixed).
    for scan in [ResolvedScan.command(.undo), .command(.digit(9)), .command(.confirm), .part(parts[0], codeQuantity: nil), .bin("A-02")] {
        _ = session.handle(scan)
    }
}
