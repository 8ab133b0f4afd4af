import Foundation
import GRDB

/// Why a yard step is refused. Nothing changes.
public enum YardError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownVehicle(String)
    case alreadyOnYard(String, status: VehicleStatus)
    case notAllowed(String, kind: VehicleMovement.Kind, status: VehicleStatus)
    case sameBin(String, bin: String)
    case unknownBin(String)
    case missingField(String)
    case noOpenStocktake
    case stocktakeAlreadyOpen

    public var description: String {
        switch self {
        case .unknownVehicle(let vin): "车辆 \(vin) 不在车场记录中 / vehicle \(vin) is not on the yard's books: receive it first"
        case let .alreadyOnYard(vin, status): "车辆 \(vin) 已在册（\(status.nameZh)）/ vehicle \(vin) is already on the books (\(status.rawValue))"
        case let .notAllowed(vin, kind, status):
            "车辆 \(vin) 当前\(status.nameZh)，不能\(kind.nameZh) / vehicle \(vin) is \(status.rawValue): cannot \(kind.rawValue) it (order: receive → reserve → sell → inspect (PDI) → deliver)"
        case let .sameBin(vin, bin): "车辆 \(vin) 已在 \(bin) / vehicle \(vin) is already in \(bin)"
        case .unknownBin(let bin): "未知车场库位 \(bin) / unknown yard bin \(bin): add it with `kioskd bins add`"
        case .missingField(let field): "缺少 \(field) / \(field) is required"
        case .noOpenStocktake: "没有进行中的车场盘点 / no yard stocktake is open: open one first"
        case .stocktakeAlreadyOpen: "车场盘点已在进行中 / a yard stocktake is already open: close it first"
        }
    }
}
