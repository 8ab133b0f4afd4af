import ArgumentParser
import Foundation
import KioskCore

extension TransfersCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report", abstract: "Every store of the chain: stock, cartons in transit from and to it, standing alerts, last push.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "List each store's standing alerts too.") var alerts = false

        func run() async throws {
            let (config, database) = try store.openDatabase()
            let stores = try await withChainLedger(config, database, command: "transfers report") { try await $0.chainReport() ?? [] }
            print("store\tparts\tunits\tvalue\tno_cost\tout_cartons\tout_units\tout_value\tin_cartons\tin_units\tin_value\talerts\tlast_push")
            for s in stores {
                print([s.store + (s.isThisStore ? " *" : ""), "\(s.parts)", "\(s.units)", yuanText(s.valueFen), "\(s.partsWithoutCost)",
                       "\(s.cartonsOut)", "\(s.unitsOut)", yuanText(s.valueOutFen), "\(s.cartonsIn)", "\(s.unitsIn)", yuanText(s.valueInFen),
                       "\(s.alerts.count)", s.lastPushAt.map(WireDate.text) ?? "-"].joined(separator: "\t"))
                if alerts {
                    for a in s.alerts { print("  ⚠ \(a.partNumber) \(a.level) on hand \(a.onHand), threshold \(a.threshold), since \(WireDate.text(a.raisedAt))") }
                }
            }
        }
    }
}
