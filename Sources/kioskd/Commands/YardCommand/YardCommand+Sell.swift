import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Sell: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The car is sold.")
        @OptionGroup var common: Common
        @Option var order: String
        func run() async throws { try YardCommand.step(common, .sell(salesOrder: order)) }
    }
}
