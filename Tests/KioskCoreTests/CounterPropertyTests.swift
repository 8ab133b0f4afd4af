import Foundation
import Testing
@testable import KioskCore

/// Random days at the counter, checked against a model of the stock written apart from the
/// counter's code: whatever the clerk scans, the balances equal the model's, no quantity or
/// work order survives a refusal or a mode change, and no bin goes below zero.
@Suite("The counter session as a property: random scans against a model")
struct CounterPropertyTests {
    /// The model: what a clerk expects the counter to do, in a few lines.
    struct Model {
        enum Mode { case lookup, receive, issue, `return`, transfer }
        var mode = Mode.lookup
        var bin: String?
        var target: String?
        var workOrder: String?
        var quantity: Int?
        var typing = false
        var stock: [String: Int] = [:]          // "part@bin"
        var held: [String: Int] = [:]           // "part@order": issued less returned
        let defaultBin = ["15400-RTA-003": "A-01"]  // the engine oil has none
        let openOrders: Set<String> = ["WO-1", "WO-2"]
        let closedOrders: Set<String> = ["WO-GONE"]    // cancelled: parts come back from it, none go to it

        /// The movement the model expects for a scan: (from, to, quantity), or nil when none.
        mutating func expect(_ code: String, part: String?) -> (from: String?, to: String?, quantity: Int)? {
            func refuse() -> (String?, String?, Int)? { quantity = nil; typing = false; return nil }
            switch code {
            case "KD:CMD:RECEIVE", "KD:CMD:ISSUE", "KD:CMD:RETURN", "KD:CMD:TRANSFER", "KD:CMD:LOOKUP":
                mode = ["KD:CMD:RECEIVE": .receive, "KD:CMD:ISSUE": .issue, "KD:CMD:RETURN": .return,
                        "KD:CMD:TRANSFER": .transfer, "KD:CMD:LOOKUP": .lookup][code]!
                bin = nil; target = nil; workOrder = nil; quantity = nil; typing = false
                return nil
            case let c where c.hasPrefix("KD:CMD:QTY:"):
                quantity = Int(c.dropFirst(11)); typing = false
                return nil
            case let c where c.hasPrefix("KD:CMD:KEY:"):
                let typed = (typing ? (quantity ?? 0) * 10 : 0) + Int(c.dropFirst(11))!
                if typed > 9999 { return refuse() }
                quantity = typed; typing = true
                return nil
            case let c where c.hasPrefix("KD:BIN:"):
                let b = String(c.dropFirst(7))
                if mode == .transfer, bin != nil, target == nil {
                    if b == bin { return refuse() }
                    target = b
                } else {
                    bin = b; target = nil
                }
                return nil
            case let c where c.hasPrefix("KD:WO:"):
                let wo = String(c.dropFirst(6))
                let allowed = mode == .issue ? openOrders.contains(wo)
                    : [.return, .lookup].contains(mode) && openOrders.union(closedOrders).contains(wo)
                guard allowed else { return refuse() }
                workOrder = wo
                return nil
            default:
                guard let part else { return refuse() }
                let q = quantity ?? 1
                if q == 0 { return refuse() }
                let at = bin ?? defaultBin[part]
                switch mode {
                case .lookup:
                    quantity = nil; typing = false
                    return nil
                case .receive:
                    guard let at else { return refuse() }
                    stock["\(part)@\(at)", default: 0] += q
                    quantity = nil; typing = false
                    return (nil, at, q)
                case .issue:
                    guard let wo = workOrder, let at, stock["\(part)@\(at)", default: 0] >= q else { return refuse() }
                    stock["\(part)@\(at)", default: 0] -= q
                    held["\(part)@\(wo)", default: 0] += q
                    quantity = nil; typing = false
                    return (at, nil, q)
                case .return:
                    guard let wo = workOrder, let at, held["\(part)@\(wo)", default: 0] >= q else { return refuse() }
                    stock["\(part)@\(at)", default: 0] += q
                    held["\(part)@\(wo)", default: 0] -= q
                    quantity = nil; typing = false
                    return (nil, at, q)
                case .transfer:
                    guard let from = bin, let to = target, stock["\(part)@\(from)", default: 0] >= q else { return refuse() }
                    stock["\(part)@\(from)", default: 0] -= q
                    stock["\(part)@\(to)", default: 0] += q
                    quantity = nil; typing = false
                    return (from, to, q)
                }
            }
        }
    }

    static let alphabet: [(code: String, part: String?)] = [
        ("KD:CMD:RECEIVE", nil), ("KD:CMD:ISSUE", nil), ("KD:CMD:RETURN", nil), ("KD:CMD:TRANSFER", nil), ("KD:CMD:LOOKUP", nil),
        ("KD:CMD:QTY:2", nil), ("KD:CMD:QTY:5", nil), ("KD:CMD:QTY:50", nil), ("KD:CMD:KEY:0", nil), ("KD:CMD:KEY:3", nil), ("KD:CMD:KEY:9", nil),
        ("KD:BIN:A-01", nil), ("KD:BIN:A-02", nil), ("KD:WO:WO-1", nil), ("KD:WO:WO-2", nil), ("KD:WO:WO-GONE", nil), ("KD:WO:WO-404", nil),
        ("6901234567892", "15400-RTA-003"), ("6901234567892", "15400-RTA-003"), ("09501101530003", "15400-RTA-003"),
        ("4006381333931", "08798-9036"), ("4006381333931", "08798-9036"), ("NOT-A-PART", nil), ("KD:CMD:FLY", nil),
    ]

    @Test("random scans leave balances equal to the model; refusals and mode changes carry nothing over", arguments: [1, 2, 3, 4])
    func randomDays(seed: UInt64) throws {
        let store = try TemporaryStore()
        try store.openWorkOrders("WO-1", "WO-2", "WO-GONE")
        _ = try store.database.workshop.transition("WO-GONE", to: .cancelled, actor: "desk", reason: "test")
        let counter = Counter(database: store.database, deviceID: "prop-\(seed)")
        var random = SplitMix(state: seed)
        var model = Model()
        // Episodes as a clerk works: a mode, mostly a bin or two and a ticket, then scans;
        // any scan can also come at any time.
        var script: [(code: String, part: String?)] = []
        let modes = Self.alphabet.filter { $0.code.hasPrefix("KD:CMD:") && !$0.code.contains("QTY") && !$0.code.contains("KEY") }
        let anyScan = Self.alphabet.filter { !modes.map(\.code).contains($0.code) }
        while script.count < 600 {
            let mode = modes.randomElement(using: &random)!
            script.append(mode)
            let openers = mode.code == "KD:CMD:TRANSFER" ? ["KD:BIN:A-01", "KD:BIN:A-02"] : ["KD:WO:WO-1", "KD:BIN:A-02"]
            for opener in openers where Int.random(in: 0..<4, using: &random) > 0 { script.append((opener, nil)) }
            for _ in 0..<Int.random(in: 2...10, using: &random) { script.append(anyScan.randomElement(using: &random)!) }
        }
        for (step, (code, part)) in script.enumerated() {
            let expected = model.expect(code, part: part)
            let feedback = try counter.handle(ScanEvent(source: "prop", text: code))
            let context = "seed \(seed) step \(step) \(code): \(feedback.message)"
            let moved = feedback.movement.map { ($0.fromBin, $0.toBin, $0.quantity) }
            #expect(moved?.0 == expected?.from && moved?.1 == expected?.to && moved?.2 == expected?.quantity, "\(context)")
            let session = try counter.session()
            if !feedback.accepted { #expect(session.pendingQuantity == nil, "a refusal disarms the quantity: \(context)") }
            if code.hasPrefix("KD:CMD:") && ["RECEIVE", "ISSUE", "RETURN", "TRANSFER", "LOOKUP"].contains(code.dropFirst(7)) {
                #expect(session.pendingQuantity == nil && session.workOrder == nil && session.bin == nil, "a mode change clears: \(context)")
            }
            #expect(session.pendingQuantity == model.quantity && session.workOrder == model.workOrder, "\(context)")
        }
        let balances = try store.database.stock.balances()
        let actual = Dictionary(uniqueKeysWithValues: balances.map { ("\($0.partNumber)@\($0.binCode)", $0.quantity) })
        #expect(actual == model.stock.filter { $0.value != 0 })
        #expect(balances.allSatisfy { $0.quantity >= 0 })
        #expect(try store.database.stock.checkBalances().isEmpty)
        let kinds = Set(try store.database.stock.movements().map(\.kind))
        #expect(kinds == [.receive, .issue, .return, .transfer], "the day exercised every kind of movement")
    }
}
