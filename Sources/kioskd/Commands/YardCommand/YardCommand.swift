import ArgumentParser
import Foundation
import KioskCore

struct YardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yard",
        abstract: "The new-car yard (整车库存): receive, move, reserve, sell, PDI and deliver cars by VIN; safety stock per model; yard stocktake.",
        subcommands: [Receive.self, Move.self, Reserve.self, Release.self, Sell.self, Inspect.self, Deliver.self, List.self,
                      Stock.self, SafetyStock.self, Alerts.self, History.self, Count.self])

    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
    }

    static func step(_ common: Common, _ action: VehicleStep.Action) throws {
        let (config, db) = try common.store.openDatabase()
        let vin = try parseVIN(common.vin)
        let outcome = try yardRefusing {
            try db.yard.record(VehicleStep(vin: vin, action: action, deviceID: config.deviceID, actor: common.actor ?? cliActor))
        }
        let v = outcome.vehicle
        print("✓ \(outcome.movement.kind.nameZh) \(v.vin)\t\(v.model)\t\(v.colour)\t\(v.status.rawValue)\t\(v.bin ?? "-")\t#\(outcome.movement.seq ?? 0)")
        for alert in outcome.raised { print("⚠ \(alert.message)") }
        for alert in outcome.cleared { print("✓ 已恢复 cleared: \(alert.model) \(alert.colour)") }
    }
}
