import Foundation
import GRDB

/// A low-stock alert (低于安全库存预警 / 补货提醒), raised when a movement takes a part's
/// on-hand quantity across one of its thresholds, and cleared when stock comes back.
public struct StockAlert: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stock_alert"

    public enum Level: String, Codable, Sendable, DatabaseValueConvertible {
        /// On hand fell below safety stock (低于安全库存).
        case belowSafetyStock
        /// On hand fell to or below the reorder point (到达补货点).
        case reorderPoint

        public var nameZh: String {
            switch self {
            case .belowSafetyStock: "低于安全库存"
            case .reorderPoint: "到达补货点"
            }
        }
    }

    public var id: Int64?
    public var partNumber: String
    public var level: Level
    /// The part's total on hand (all bins) right after the movement.
    public var onHand: Int
    public var threshold: Int
    /// The movement that crossed the threshold.
    public var movementKey: UUID
    public var raisedAt: Date
    /// When stock came back above the threshold; `nil` while the alert stands.
    public var clearedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var message: String {
        "\(level.nameZh)：\(partNumber) 现有 \(onHand)，阈值 \(threshold) / \(level == .belowSafetyStock ? "below safety stock" : "at reorder point"): \(partNumber) on hand \(onHand), threshold \(threshold)"
    }

    /// The alert levels that hold for a part at an on-hand quantity (pure): below safety
    /// stock, and at or below the reorder point.
    static func levels(of part: Part, onHand: Int) -> [Level] {
        var levels: [Level] = []
        if part.safetyStock > 0, onHand < part.safetyStock { levels.append(.belowSafetyStock) }
        if part.reorderPoint > 0, onHand <= part.reorderPoint { levels.append(.reorderPoint) }
        return levels
    }

    /// Whether an on-hand quantity clears a standing alert of this level.
    static func clears(_ level: Level, part: Part, onHand: Int) -> Bool {
        switch level {
        case .belowSafetyStock: onHand >= part.safetyStock
        case .reorderPoint: onHand > part.reorderPoint
        }
    }
}
