import ArgumentParser
import Foundation
import KioskCore
import Labels

struct CommandSheet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "commands", abstract: "The sheet of the counter's command barcodes (指令条码).")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    func run() async throws { try printNow(.commands, [], options: options, store: store) }
}
