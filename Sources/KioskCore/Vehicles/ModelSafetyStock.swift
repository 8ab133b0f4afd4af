import Foundation
import GRDB

/// Safety stock for a model, or for one colour of it (`colour` empty: any colour).
public struct ModelSafetyStock: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "model_safety_stock"
    public var model: String
    public var colour: String
    public var safetyStock: Int

    public init(model: String, colour: String = "", safetyStock: Int) {
        self.model = model
        self.colour = colour
        self.safetyStock = safetyStock
    }

    var label: String { colour.isEmpty ? model : "\(model) \(colour)" }
}

/// A model (or model and colour) below its safety stock: raised when the cars free to sell
/// fall below it, cleared when they are back.
public struct YardAlert: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "yard_alert"
    public var id: Int64?
    public var model: String
    public var colour: String
    public var available: Int
    public var safetyStock: Int
    public var raisedAt: Date
    public var clearedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var message: String {
        let label = colour.isEmpty ? model : "\(model) \(colour)"
        return "车型 \(label) 可售 \(available) 台，低于安全库存 \(safetyStock) / model \(label): \(available) free to sell, below safety stock \(safetyStock)"
    }
}
