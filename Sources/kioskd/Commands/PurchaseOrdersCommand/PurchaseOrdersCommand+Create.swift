import ArgumentParser
import Foundation
import KioskCore

extension PurchaseOrdersCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a purchase order.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The order's number (default: PO-yyyyMMdd-n).") var number: String?
        @Option(help: "The supplier.") var supplier: String
        @Option(help: "The day it is expected (yyyy-MM-dd).") var expected: String?
        @Option(name: .customLong("line"), help: "PART:QUANTITY[:PRICE in yuan], once per part.") var lines: [String]

        func run() async throws {
            let parsed = try lines.map { text in
                guard let line = OrderLine(argument: text) else { throw ValidationError("--line \(text) is not PART:QUANTITY[:PRICE]") }
                return line
            }
            let (config, database) = try store.openDatabase()
            try refuseOnABoard(config)
            let order: PurchaseOrder
            do {
                order = try database.purchasing.create(number: number, supplier: supplier, expectedOn: expected, lines: parsed, actor: cliActor)
            } catch let error as PurchasingError { throw Refused(error.description) } catch let error as StockError { throw Refused(error.description) }
            print("✓ 采购单 purchase order \(order.number) · \(order.supplier) · \(order.lines.count) lines · code \(order.code)")
        }
    }
}
