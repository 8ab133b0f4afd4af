import Foundation

/// What a scan came to, in the terms the clerk acts on. Each outcome has its own light and
/// sound on the counter's stack light, on the counter page and in the CLI, so that a clerk
/// who does not look at the screen still knows what happened.
///
/// | outcome | lamp | buzzer | page |
/// |---|---|---|---|
/// | ``accepted`` 已入账 | green, 0.3 s | one short beep | green, one high tone |
/// | ``acceptedLow`` 已入账·低库存 | amber, 1.5 s | short + long | amber, high then low |
/// | ``duplicate`` 重复已忽略 | blue, 0.3 s | two ticks | blue, two soft ticks |
/// | ``wrong`` 配件或工单不符 | amber blinking, 1.5 s | two long | amber, two long low tones |
/// | ``unknownCode`` 无法识别 | red blinking, 1.5 s | two short | red, two short low tones |
/// | ``refused`` 拒绝 | red, 1.5 s | three short | red, three short low tones |
/// | ``storeFault`` 存储故障 | red fast blinking, 5 s | one long (1 s) | red, one long low tone |
public enum ScanOutcome: String, Codable, Sendable, Hashable, CaseIterable {
    /// Booked (or the session changed) as asked.
    case accepted
    /// Booked, and the part is now below its safety stock or at its reorder point.
    case acceptedLow = "accepted-low"
    /// The same scan again (the same scan id, or the same code inside the source's
    /// duplicate window): nothing was applied.
    case duplicate
    /// A part or work order that does not fit what the counter is doing: an unknown,
    /// delivered or cancelled work order, a return of more than the order holds, a ticket
    /// scanned in a mode that takes none.
    case wrong
    /// A code kioskd cannot read or does not know (not a registered part, bin or command; a
    /// GS1 code that breaks GS1's rules, a check-digit error).
    case unknownCode = "unknown-code"
    /// Read and understood, but refused: not enough stock, a job state that does not allow
    /// it, an expired item, a quantity above the maximum, a step missing (bin, ticket).
    case refused
    /// The store failed (disk full, read-only, damaged): nothing was saved.
    case storeFault = "store-fault"

    /// Whether the scan did what the clerk asked.
    public var isAccepted: Bool { self == .accepted || self == .acceptedLow }

    /// A short label, Chinese first.
    public var label: String {
        switch self {
        case .accepted: "已完成 OK"
        case .acceptedLow: "已完成·低库存 OK, LOW STOCK"
        case .duplicate: "重复已忽略 DUPLICATE"
        case .wrong: "不符 WRONG PART/ORDER"
        case .unknownCode: "无法识别 UNKNOWN CODE"
        case .refused: "拒绝 REFUSED"
        case .storeFault: "存储故障 STORE FAULT"
        }
    }
}
