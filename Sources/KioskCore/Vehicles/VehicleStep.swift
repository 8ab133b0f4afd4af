import Foundation
import GRDB

/// What a yard step asks for.
public struct VehicleStep: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case receive(model: String, colour: String, bin: String)
        case move(to: String)
        case reserve(salesOrder: String)
        case release
        case sell(salesOrder: String)
        case inspect
        case deliver
    }
    public var key: UUID
    public var vin: VIN
    public var action: Action
    public var deviceID: String
    public var actor: String
    public var at: Date

    public init(key: UUID = UUID(), vin: VIN, action: Action, deviceID: String, actor: String, at: Date = Date()) {
        self.key = key
        self.vin = vin
        self.action = action
        self.deviceID = deviceID
        self.actor = actor
        self.at = at
    }
}

/// The outcome of a yard step.
public struct VehicleOutcome: Sendable, Hashable {
    public var vehicle: Vehicle
    public var movement: VehicleMovement
    /// `true` when the key had been recorded before: nothing was applied again.
    public var duplicate: Bool
    public var raised: [YardAlert]
    public var cleared: [YardAlert]
}
