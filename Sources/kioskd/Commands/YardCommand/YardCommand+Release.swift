import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a reservation: the car is free to sell again.")
        @OptionGroup var common: Common
        func run() async throws { try YardCommand.step(common, .release) }
    }
}
