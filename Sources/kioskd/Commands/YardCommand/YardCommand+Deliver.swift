import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The car is handed to its buyer and leaves the yard.")
        @OptionGroup var common: Common
        func run() async throws { try YardCommand.step(common, .deliver) }
    }
}
