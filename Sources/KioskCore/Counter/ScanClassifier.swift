/// The codes kioskd prints itself, and the commands on the counter's command sheet.
///
/// Grammar (every code kioskd prints starts with `KD:`, which no GTIN, part number or GS1
/// string can start with):
///
/// | code | meaning |
/// |---|---|
/// | `KD:CMD:RECEIVE` | mode 入库 receive |
/// | `KD:CMD:ISSUE` | mode 出库 issue to a work order |
/// | `KD:CMD:RETURN` | mode 退料 return |
/// | `KD:CMD:TRANSFER` | mode 移库 transfer: first bin scanned is the source, second the destination |
/// | `KD:CMD:COUNT` | mode 盘点 count: the next bin scanned opens (or joins) a stocktake |
/// | `KD:CMD:LOOKUP` | mode 查询 look up: a part scan shows its stock, moves nothing; a VIN checks the vehicle in (finds or opens its work order) |
/// | `KD:CMD:YARD-MOVE` | mode 车场移位 yard move: scan a yard bin, then the VINs of the cars parked there |
/// | `KD:CMD:YARD-COUNT` | mode 车场盘点 yard count: opens (or joins) the yard stocktake; scan a yard bin, then every VIN in it; `KD:CMD:CLOSE` lists missing, unexpected and misplaced cars |
/// | `KD:CMD:QTY:<n>` | the next part scan counts `n` (1…9999) instead of 1 |
/// | `KD:CMD:KEY:<d>` | keypad digit 0…9: typed digits make the next part scan's quantity (3, 7 → ×37; a lone 0 counts an empty find in count mode) |
/// | `KD:CMD:UNDO` | undo the last movement or count scan of this counter (a compensating entry) |
/// | `KD:CMD:CANCEL` | clear the bin, work order, pending quantity; back to look-up mode |
/// | `KD:CMD:CLOSE` | close the open stocktake and show the variance |
/// | `KD:CMD:CONFIRM` | confirm the closed stocktake: post its adjustments |
/// | `KD:BIN:<code>` | a bin label |
/// | `KD:WO:<ticket>` | a work order ticket (工单) |
/// | `KD:TECH:<badge>` | a technician or clerk badge (工号); at a bay it clocks the technician on or off the bay's job |
/// | `KD:APT:<code>` | an appointment's QR code (预约): checks the customer in and opens the work order |
/// | `KD:PO:<number>` | a purchase order's sheet (采购单): in receive mode, opens (or rejoins) a delivery against it |
/// | `KD:CMD:DAMAGED` | in a delivery: the next part came damaged (into quarantine, not stock) |
/// | `KD:CMD:EXTRA` | in a delivery: the next part is not on the order, taken as extra |
///
/// A 17-character code that is not a registered part or bin is read as a VIN (the `I` that
/// Code 39 VIN labels of imported cars carry in front is dropped).
///
/// Anything else is a part code: a GS1 code (GS1-128, GS1 QR, Digital Link), a GTIN
/// (EAN-13/UPC-A/EAN-8), a part number or another barcode registered to a part; or a bin
/// code typed plainly. Commands are case-insensitive; codes after the prefix are kept as they are.
public enum CounterCommand: Sendable, Hashable {
    case mode(CounterMode)
    case quantity(Int)
    /// One digit of the command sheet's keypad.
    case digit(Int)
    case undo
    case cancel
    case close
    case confirm
    /// In a delivery: the next part came damaged.
    case damaged
    /// In a delivery: the next part is not on the order and is taken as extra.
    case extra

    /// The barcode text of this command.
    public var code: String {
        switch self {
        case .mode(let m): "KD:CMD:\(m.rawValue.uppercased())"
        case .quantity(let n): "KD:CMD:QTY:\(n)"
        case .digit(let d): "KD:CMD:KEY:\(d)"
        case .undo: "KD:CMD:UNDO"
        case .cancel: "KD:CMD:CANCEL"
        case .close: "KD:CMD:CLOSE"
        case .confirm: "KD:CMD:CONFIRM"
        case .damaged: "KD:CMD:DAMAGED"
        case .extra: "KD:CMD:EXTRA"
        }
    }
}

/// The mode the counter is in (what a part scan does).
public enum CounterMode: String, Codable, Sendable, Hashable, CaseIterable {
    case lookup, receive, issue, `return`, transfer, count
    /// 车场移位: scan a yard bin, then the VINs of the cars parked there.
    case yardMove = "yard-move"
    /// 车场盘点: scan a yard bin, then every VIN found in it; CLOSE lists the variances.
    case yardCount = "yard-count"

    public var nameZh: String {
        switch self {
        case .lookup: "查询"
        case .receive: "入库"
        case .issue: "出库"
        case .return: "退料"
        case .transfer: "移库"
        case .count: "盘点"
        case .yardMove: "车场移位"
        case .yardCount: "车场盘点"
        }
    }
}

/// What a scanned text is, by its form alone (no catalog look-up).
public enum ClassifiedScan: Sendable, Hashable {
    case command(CounterCommand)
    case bin(String)
    case workOrder(String)
    case badge(String)
    case appointment(String)
    /// A purchase order's code (`KD:PO:<number>`).
    case purchaseOrder(String)
    /// A valid GS1 code; its GTIN names the part.
    case gs1(GS1ElementString)
    /// A plain code: a GTIN, part number, other part barcode, or a bin code typed plainly.
    case code(String)
    /// A code that cannot be used, with the reason to show.
    case malformed(String)
}

/// Classifies scanned text by its form. Pure: no I/O, no catalog.
public enum ScanClassifier {
    public static func classify(_ raw: String) -> ClassifiedScan {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { return .malformed("空的扫描 / empty scan") }
        // (Characters are never more than UTF-8 bytes: most scans skip counting them.)
        if text.utf8.count > 512, text.count > 512 { return .malformed("条码过长 / code too long (\(text.count) characters)") }
        // A scanner with AIM identifiers on sends kioskd's own QR codes as `]Q1KD:…`.
        let plain = GS1ElementString.withoutSymbologyIdentifier(text)
        if hasKioskPrefix(plain) {
            return classifyKioskCode(plain, upper: plain.uppercased())
        }
        switch GS1ElementString.read(text) {
        case .gs1(let code): return .gs1(code)
        case .invalid(let error): return .malformed(error.description)
        case .notGS1: break
        }
        if plain.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .malformed("条码含控制字符 / code contains control characters")
        }
        return .code(plain)
    }

    /// Whether `text` starts with `KD:` in any case, as `uppercased().hasPrefix("KD:")` says,
    /// without uppercasing the whole scan: when its first four bytes are ASCII (or it is three
    /// ASCII bytes), each is a whole character and only ASCII `k` and `d` uppercase to `K` and
    /// `D`, so the bytes decide. Anything else (a Kelvin sign, a mark combined with the colon)
    /// is left to the characters.
    static func hasKioskPrefix(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        guard let k = bytes.next(), let d = bytes.next(), let colon = bytes.next() else { return false }
        let next = bytes.next()
        guard k < 0x80, d < 0x80, colon < 0x80, next.map({ $0 < 0x80 }) ?? true else {
            return text.uppercased().hasPrefix("KD:")
        }
        return k | 0x20 == UInt8(ascii: "k") && d | 0x20 == UInt8(ascii: "d") && colon == UInt8(ascii: ":")
    }

    private static func classifyKioskCode(_ text: String, upper: String) -> ClassifiedScan {
        let payload = String(text.dropFirst(3))
        let parts = upper.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .malformed("无法识别的 kioskd 码 / unknown kioskd code: \(text)") }
        let kind = parts[1].split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        let value = payload.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            .dropFirst().first.map(String.init) ?? ""
        switch kind {
        case "BIN":
            return value.isEmpty ? .malformed("库位码为空 / bin label without a code") : .bin(value)
        case "WO":
            return value.isEmpty ? .malformed("工单码为空 / work order ticket without a number") : .workOrder(value)
        case "TECH":
            return value.isEmpty ? .malformed("工号为空 / badge without a number") : .badge(value)
        case "APT":
            return value.isEmpty ? .malformed("预约码为空 / appointment code without a number") : .appointment(value)
        case "PO":
            return value.isEmpty ? .malformed("采购单码为空 / purchase order code without a number") : .purchaseOrder(value)
        case "CMD":
            return classifyCommand(value.uppercased(), original: text)
        default:
            return .malformed("无法识别的 kioskd 码 / unknown kioskd code: \(text)")
        }
    }

    private static func classifyCommand(_ command: String, original: String) -> ClassifiedScan {
        if command.hasPrefix("QTY:") {
            let n = command.dropFirst(4)
            guard let q = Int(n), (1...9999).contains(q) else {
                return .malformed("数量指令无效 / quantity command needs 1…9999: \(original)")
            }
            return .command(.quantity(q))
        }
        if command.hasPrefix("KEY:") {
            let key = command.dropFirst(4)
            guard key.count == 1, let d = Int(key) else {
                return .malformed("数字键无效 / keypad code needs one digit 0…9: \(original)")
            }
            return .command(.digit(d))
        }
        switch command {
        case "UNDO": return .command(.undo)
        case "CANCEL": return .command(.cancel)
        case "CLOSE": return .command(.close)
        case "CONFIRM": return .command(.confirm)
        case "DAMAGED": return .command(.damaged)
        case "EXTRA": return .command(.extra)
        default:
            if let mode = CounterMode(rawValue: command.lowercased()) { return .command(.mode(mode)) }
            return .malformed("未知指令 / unknown command: \(original)")
        }
    }
}
