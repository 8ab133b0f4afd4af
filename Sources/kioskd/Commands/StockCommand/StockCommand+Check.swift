import ArgumentParser
import Foundation
import KioskCore

extension StockCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every balance from the movements and report drift (exit 5 on drift).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Rewrite drifted balances from the movements.") var repair = false

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let progress = TerminalProgress()
            let drifts = try progress.run { try database.stock.checkBalances(repair: repair, actor: cliActor, progress: $0) }
            progress.finish("已核对 checked the balances against the movements: \(drifts.count) drifted")
            if drifts.isEmpty {
                print("库存一致 balances match the movements")
                return
            }
            for d in drifts { print("drift: \(d)") }
            print(repair ? "已修复 repaired \(drifts.count)" : "\(drifts.count) drifted; run `kioskd stock check --repair` to rewrite them from the movements")
            if !repair { throw ExitCode(5) }
        }
    }
}
