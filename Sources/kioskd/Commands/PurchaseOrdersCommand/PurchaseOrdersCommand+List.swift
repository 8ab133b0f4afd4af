import ArgumentParser
import Foundation
import KioskCore

extension PurchaseOrdersCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Purchase orders, open first, newest first.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (_, database) = try store.openDatabase()
            print("number\tsupplier\tstatus\texpected\tlines\tremaining")
            for order in try database.purchasing.orders() {
                let remaining = try database.purchasing.variance(of: order.number).reduce(0) { $0 + $1.remaining }
                print("\(order.number)\t\(order.supplier)\t\(order.status.rawValue)\t\(order.expectedOn ?? "-")\t\(order.lines.count)\t\(remaining)")
            }
        }
    }
}
