import ArgumentParser
import Foundation
import KioskCore

struct StocktakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stocktake",
        abstract: "Stocktakes (盘点): open, close with a variance report, confirm to post adjustments.",
        subcommands: [Open.self, Close.self, Confirm.self, Report.self, List.self])
}
