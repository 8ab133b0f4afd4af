import ArgumentParser
import Foundation
import KioskCore

extension Vehicles {
    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-in",
            abstract: "The service desk scans a VIN: find the vehicle's open work order, or open one (a returning vehicle keeps its customer).")
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        @Option(help: "The customer's phone (needed the first time a vehicle comes).") var phone: String?
        @Option(help: "The plate (needed the first time a vehicle comes).") var plate: String?
        @Option(name: .customLong("service"), help: "CODE:NAME[:STANDARD_HOURS], repeatable.") var services: [ServiceArgument] = []
        @Option var bay: String?
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            let result = try yardRefusing {
                try db.workshop.checkIn(vin: vin, phone: phone, plate: plate, services: services.map(\.item), bay: bay, actor: actor ?? cliActor)
            }
            print(result.opened ? "已接车 opened \(result.order.ticketCode)\tphone page token \(result.order.publicToken)"
                                : "已有进行中的工单 open work order \(result.order.ticketCode)\t\(result.order.state.rawValue)")
            print("\(vin.manufacturer)\t\(vin.modelYear().map(String.init) ?? "-")")
            for order in result.history { print("维修记录 history\t\(describe(order))") }
        }
    }
}
