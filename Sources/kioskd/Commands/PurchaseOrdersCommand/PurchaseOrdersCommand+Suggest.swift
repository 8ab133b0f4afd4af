import ArgumentParser
import Foundation
import KioskCore

extension PurchaseOrdersCommand {
    struct Suggest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suggest", abstract: "Parts at their reorder point (counting what is on order), by supplier; --confirm makes the order.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Make one purchase order of this supplier's suggestions.") var confirm: String?
        @Option(help: "With --confirm: the day it is expected (yyyy-MM-dd).") var expected: String?

        func run() async throws {
            let (config, database) = try store.openDatabase()
            if let supplier = confirm {
                try refuseOnABoard(config)
                let order: PurchaseOrder?
                do { order = try database.purchasing.confirmSuggestions(for: supplier, expectedOn: expected, actor: cliActor) }
                catch let error as PurchasingError { throw Refused(error.description) }
                guard let order else { throw Refused("没有向 \(supplier) 补货的建议 / nothing to reorder from \(supplier)") }
                print("✓ 采购单 purchase order \(order.number) · \(order.supplier) · " + order.lines.map { "\($0.partNumber)×\($0.ordered)" }.joined(separator: " "))
                return
            }
            print("supplier\tpart\tname\ton_hand\ton_order\treorder_point\ttarget\tpack\torder")
            for s in try database.purchasing.suggestions() {
                print("\(s.supplier ?? "-")\t\(s.partNumber)\t\(s.nameZh)\t\(s.onHand)\t\(s.onOrder)\t\(s.reorderPoint)\t\(s.target)\t\(s.packSize)\t\(s.quantity)")
            }
        }
    }
}
