import ArgumentParser
import Foundation
import KioskCore
import Labels

struct PartsLabels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parts", abstract: "Part labels (配件标签): GS1-128 with the GTIN (and lot) when the part has one.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Option(help: "A lot/batch number for GS1 AI (10).") var lot: String?
    @Argument(help: "Part numbers.") var parts: [String]

    func run() async throws {
        try printNow(.parts, parts.map { part in lot.map { "\(part)|\($0)" } ?? part }, options: options, store: store)
    }
}
