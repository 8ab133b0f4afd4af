import ArgumentParser
import Foundation
import KioskCore

extension YardCommand.Count {
    struct Close: AsyncParsableCommand {
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let variance = try yardRefusing { try db.yard.closeStocktake() }
            print(variance.report)
            if !variance.isClean { throw ExitCode(7) }
        }
    }
}
