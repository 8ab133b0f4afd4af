import ArgumentParser
import Foundation
import KioskCore

struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "On-hand stock (库存) by part × bin; `stock check` recomputes it from the movements.",
        subcommands: [Show.self, Check.self],
        defaultSubcommand: Show.self)
}
