import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Reserve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold a car for a sale being negotiated.")
        @OptionGroup var common: Common
        @Option var order: String
        func run() async throws { try YardCommand.step(common, .reserve(salesOrder: order)) }
    }
}
