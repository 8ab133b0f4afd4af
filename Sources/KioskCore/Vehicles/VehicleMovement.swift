import Foundation
import GRDB

/// One step of a vehicle, recorded once by its idempotency key like a parts movement.
public struct VehicleMovement: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "vehicle_movement"
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case receive, move, reserve, release, sell, inspect, deliver

        public var nameZh: String {
            switch self {
            case .receive: "入库"
            case .move: "移位"
            case .reserve: "预订"
            case .release: "取消预订"
            case .sell: "销售"
            case .inspect: "PDI"
            case .deliver: "交车"
            }
        }
    }
    public var seq: Int64?
    public var key: UUID
    public var vin: String
    public var kind: Kind
    public var fromBin: String?
    public var toBin: String?
    public var salesOrder: String?
    public var deviceID: String
    public var actor: String
    public var recordedAt: Date
}
