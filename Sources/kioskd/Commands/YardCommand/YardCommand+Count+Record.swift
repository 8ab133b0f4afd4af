import ArgumentParser
import Foundation
import KioskCore

extension YardCommand.Count {
    struct Record: AsyncParsableCommand {
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        @Option var bin: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            try yardRefusing { try db.yard.count(vin, in: bin) }
            print("✓ \(vin.text) @\(bin)")
        }
    }
}
