import ArgumentParser
import Foundation
import KioskCore

extension StocktakeCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "All stocktakes, newest first.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, database) = try store.openDatabase()
            for s in try database.stocktakes.all() { print("\(s.id.uuidString)\t\(s.status.rawValue)\t\(s.scopeDescription)\t\(s.openedAt)") }
        }
    }
}
