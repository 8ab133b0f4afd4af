import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cars on the books: VIN, model, colour, status, bin, sales order.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Include delivered cars.") var all = false
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for v in try db.yard.vehicles(includeDelivered: all) {
                print([v.vin, v.model, v.colour, v.status.rawValue, v.bin ?? "-", v.salesOrder ?? "-"].joined(separator: "\t"))
            }
        }
    }
}
