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
            print("store\tparts\tunits\tout_cartons\tout_units\tin_cartons\tin_units\talerts\tlast_push")
            for s in stores {
                print("\(s.store)\(s.isThisStore ? " *" : "")\t\(s.parts)\t\(s.units)\t\(s.cartonsOut)\t\(s.unitsOut)\t\(s.cartonsIn)\t\(s.unitsIn)\t\(s.alerts.count)\t\(s.lastPushAt.map(WireDate.text) ?? "-")")
                if alerts {
                    for a in s.alerts { print("  ⚠ \(a.partNumber) \(a.level) on hand \(a.onHand), threshold \(a.threshold), since \(WireDate.text(a.raisedAt))") }
                }
            }
        }
    }
}
