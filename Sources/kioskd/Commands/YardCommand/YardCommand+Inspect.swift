import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pdi", abstract: "Pre-delivery inspection done.")
        @OptionGroup var common: Common
        func run() async throws { try YardCommand.step(common, .inspect) }
    }
}
