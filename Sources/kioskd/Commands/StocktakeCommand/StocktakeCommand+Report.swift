import ArgumentParser
import Foundation
import KioskCore

extension StocktakeCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The variance report of a closed stocktake.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake id.") var id: String

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let uuid = try stocktakeID(id)
            printReport(try database.stocktakes.report(uuid))
        }
    }
}
