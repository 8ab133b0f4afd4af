/// Why the store refused to move stock. Each message says what happened and what to do,
/// in Chinese first and English second, and is shown unchanged to the clerk.
public enum StockError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownPart(String)
    case unknownBin(String)
    case invalidQuantity(Int)
    case binsDoNotFit(MovementKind)
    case transferToSameBin(String)
    case workOrderRequired
    case reasonRequired
    /// Issuing or moving more than is on hand, and the config does not allow negative stock.
    case insufficientStock(partNumber: String, bin: String, onHand: Int, requested: Int)
    case nothingToUndo
    case alreadyReversed(String)
    /// A receipt of a serialised item (GS1 AI 21) that is already in stock.
    case serialInStock(part: String, serial: String)
    /// A receipt of an item past its expiry date (GS1 AI 17).
    case expired(part: String, expiry: String)
    /// A return of more than the work order was issued (net of what came back already).
    case returnExceedsIssued(part: String, workOrder: String, returning: Int, outstanding: Int)

    public var description: String {
        switch self {
        case .unknownPart(let p):
            "未知配件 \(p)：请先导入或登记该配件 / unknown part \(p): import or register it first"
        case .unknownBin(let b):
            "未知库位 \(b)：请先登记该库位 / unknown bin \(b): register the bin first"
        case .invalidQuantity(let q):
            "数量无效 \(q)：数量必须为 1 至 \(MovementDraft.maximumQuantity) 的整数 / invalid quantity \(q): use a whole number from 1 to \(MovementDraft.maximumQuantity)"
        case .binsDoNotFit(let kind):
            "\(kind.nameZh)的库位不完整 / the bins given do not fit a \(kind.rawValue) movement"
        case .transferToSameBin(let b):
            "移库的目标库位与来源相同 (\(b))：请扫描另一个库位 / transfer to the same bin \(b): scan a different destination bin"
        case .workOrderRequired:
            "出库需要工单：请先扫描工单 / issuing needs a work order: scan the work order ticket first"
        case .reasonRequired:
            "库存调整需要原因 / an adjustment needs a reason"
        case let .insufficientStock(p, b, onHand, requested):
            "库存不足：\(p) 在 \(b) 仅有 \(onHand)，请求 \(requested) / not enough stock: \(p) in \(b) has \(onHand), asked for \(requested)"
        case .nothingToUndo:
            "没有可撤销的操作 / nothing to undo"
        case .alreadyReversed(let k):
            "该操作已撤销 (\(k)) / that movement was already undone"
        case let .serialInStock(part, serial):
            "序列号 \(serial) 的 \(part) 已在库，不能再次入库：请核对是否重复扫描 / \(part) with serial \(serial) is already in stock: the same item cannot be received twice"
        case let .expired(part, expiry):
            "已过期，拒收：\(part) 有效期至 \(expiry)；请退回供应商 / expired, not received: \(part) expired on \(expiry); return it to the supplier"
        case let .returnExceedsIssued(part, wo, returning, outstanding):
            "退料数量 ×\(returning) 超过工单 \(wo) 领用未退的 \(part) ×\(outstanding)：请核对工单和数量 / returning ×\(returning) of \(part) but work order \(wo) holds ×\(outstanding) issued and not returned: check the ticket and the quantity"
        }
    }
}
