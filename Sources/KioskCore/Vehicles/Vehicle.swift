import Foundation
import GRDB

/// Where a new car stands in its life at the store, from the truck to the customer.
public enum VehicleStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// On the yard, free to sell (counts towards the model's stock).
    case onYard = "on_yard"
    /// Held for a sale being negotiated.
    case reserved
    case sold
    /// Pre-delivery inspection (PDI) done.
    case inspected
    case delivered

    public var nameZh: String {
        switch self {
        case .onYard: "在库"
        case .reserved: "已预订"
        case .sold: "已售"
        case .inspected: "已PDI"
        case .delivered: "已交车"
        }
    }
}

/// A new car on the yard (整车).
public struct Vehicle: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "vehicle"
    public var vin: String
    public var model: String
    public var colour: String
    public var status: VehicleStatus
    /// The yard bin (a parking row or space); `nil` once delivered.
    public var bin: String?
    public var salesOrder: String?
    public var receivedAt: Date
    public var updatedAt: Date
}
