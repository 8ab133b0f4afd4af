import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A new car arrives on the yard.")
        @OptionGroup var common: Common
        @Option var model: String
        @Option var colour: String
        @Option(help: "The yard bin (a parking row or space), added with `kioskd bins add`.") var bin: String
        func run() async throws { try YardCommand.step(common, .receive(model: model, colour: colour, bin: bin)) }
    }
}
