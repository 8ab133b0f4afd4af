import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open work orders.")
        @OptionGroup var store: StoreOptions
        @Option var bay: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for o in try db.workshop.openOrders(bay: bay) { print(describe(o)) }
        }
    }
}
