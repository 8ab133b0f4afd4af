import ArgumentParser
import Foundation
import KioskCore

extension PurchaseOrdersCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "An order's lines against what came in, and its deliveries.")
        @OptionGroup var store: StoreOptions
        @Argument var number: String

        func run() async throws {
            let (_, database) = try store.openDatabase()
            guard let order = try database.purchasing.order(number) else { throw Refused(PurchasingError.unknownOrder(number).description) }
            print("\(order.number)\t\(order.supplier)\t\(order.status.rawValue)\texpected \(order.expectedOn ?? "-")")
            print("part\tordered\treceived\tdamaged\tshort\tover")
            for v in try database.purchasing.variance(of: number) {
                print("\(v.partNumber)\t\(v.ordered)\t\(v.received)\t\(v.damaged)\t\(v.remaining)\t\(v.over)")
            }
            for d in try database.purchasing.deliveries(of: number) {
                print("delivery \(d.id.uuidString.prefix(8))\t\(d.sscc ?? "-")\t\(WireDate.text(d.openedAt))\t\(d.openedBy)@\(d.deviceID)\t\(d.closedAt.map(WireDate.text) ?? "open")")
            }
        }
    }
}
