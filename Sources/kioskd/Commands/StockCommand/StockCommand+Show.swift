import ArgumentParser
import Foundation
import KioskCore

extension StockCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Stock by part × bin.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this part number.") var part: String?
        @Option(help: "Only this bin.") var bin: String?
        @Option(name: .customLong("chain"), help: "Which stores of the chain hold this part, from the hub's ledger ([hub] ledger), with each store's last push.")
        var chainPart: String?

        func run() async throws {
            let (config, database) = try store.openDatabase()
            if let part = chainPart {
                let rows = try await withChainLedger(config, database, command: "stock --chain") { try await $0.chainStock(of: part) ?? [] }
                print("store\tbin\ton_hand\tlast_push")
                let time = ISO8601DateFormatter()
                for r in rows { print("\(r.store)\(r.isThisStore ? " *" : "")\t\(r.bin)\t\(r.quantity)\t\(r.lastPushAt.map(time.string) ?? "-")") }
                print("total\t\t\(rows.reduce(0) { $0 + $1.quantity })")
                return
            }
            if let part, try database.catalog.part(part) == nil { throw Refused(StockError.unknownPart(part).description) }
            let balances = try database.stock.balances(partNumber: part, bin: bin)
            print("part\tbin\ton_hand")
            for b in balances { print("\(b.partNumber)\t\(b.binCode)\t\(b.quantity)") }
            print("total\t\t\(balances.reduce(0) { $0 + $1.quantity })")
        }
    }
}
