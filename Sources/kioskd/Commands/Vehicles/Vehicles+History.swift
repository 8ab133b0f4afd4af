import ArgumentParser
import Foundation
import KioskCore

extension Vehicles {
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A vehicle's work orders on this device, newest first.")
        @OptionGroup var store: StoreOptions
        @Argument var vin: String

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            let orders = try db.workshop.orders(vin: vin.text)
            if orders.isEmpty { print("无记录 no work orders for \(vin.text)") }
            for order in orders { print(describe(order)) }
        }
    }
}
