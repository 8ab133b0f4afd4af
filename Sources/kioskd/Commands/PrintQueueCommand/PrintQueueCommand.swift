import ArgumentParser
import Foundation
import KioskCore
import Labels

struct PrintQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "print-queue", abstract: "Print jobs waiting for their printers.",
                                                    subcommands: [List.self, Retry.self, Cancel.self], defaultSubcommand: List.self)
}
