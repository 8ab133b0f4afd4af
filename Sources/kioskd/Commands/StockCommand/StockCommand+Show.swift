import ArgumentParser
import Foundation
import KioskCore

extension StockCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Stock by part × bin.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this part number.") var part: String?
        @Option(help: "Only this bin.") var bin: String?

        func run() async throws {
            let (_, database) = try store.openDatabase()
            if let part, try database.catalog.part(part) == nil { throw Refused(StockError.unknownPart(part).description) }
            let balances = try database.stock.balances(partNumber: part, bin: bin)
            print("part\tbin\ton_hand")
            for b in balances { print("\(b.partNumber)\t\(b.binCode)\t\(b.quantity)") }
            print("total\t\t\(balances.reduce(0) { $0 + $1.quantity })")
        }
    }
}
