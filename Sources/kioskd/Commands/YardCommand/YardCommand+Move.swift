import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a car to another yard bin.")
        @OptionGroup var common: Common
        @Option var to: String
        func run() async throws { try YardCommand.step(common, .move(to: to)) }
    }
}
