import ArgumentParser
import Foundation
import KioskCore
import Labels

struct Badges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "badges", abstract: "Staff badges (工牌); all staff when none is named.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Argument(help: "Badge numbers.") var badges: [String] = []
    func run() async throws { try printNow(.badges, badges, options: options, store: store) }
}
