import ArgumentParser
import Foundation
import KioskCore

extension PurchaseOrdersCommand {
    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "return", abstract: "Send parts back to the supplier (退货): out of quarantine (or --bin), with the reason; prints the slip.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The part number.") var part: String
        @Option(help: "How many (1–1,000,000).") var quantity: Int
        @Option(help: "The supplier they go back to.") var supplier: String
        @Option(help: "Why (damaged, wrong part …).") var reason: String
        @Option(help: "The bin they leave (default: quarantine).") var bin: String?
        @Option(help: "The purchase order they came with.") var order: String?
        @OptionGroup var printing: PrintOptions

        func validate() throws {
            guard (1...MovementDraft.maximumQuantity).contains(quantity) else { throw ValidationError("--quantity \(quantity) is outside 1…\(MovementDraft.maximumQuantity)") }
        }

        func run() async throws {
            let (config, database) = try store.openDatabase()
            try refuseOnABoard(config)
            let returned: SupplierReturn
            do {
                returned = try database.purchasing.returnToSupplier(partNumber: part, quantity: quantity, bin: bin, supplier: supplier, order: order,
                                                                    reason: reason, deviceID: config.deviceID, actor: cliActor)
            } catch let error as CustomStringConvertible & Error { throw Refused(error.description) }
            print("✓ 退供应商 returned \(returned.partNumber) ×\(returned.quantity) from \(returned.fromBin) to \(returned.supplier)")
            if !config.printers.isEmpty {
                try printNow(.supplierReturn, [returned.movementKey.uuidString], options: printing, store: store, ticket: true)
            } else {
                print("退货单 slip: kioskd labels preview supplier-return \(returned.movementKey.uuidString) --out return.pdf")
            }
        }
    }
}
