import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Yard stocktake by hand: open, record a VIN seen in a bin, close (missing, unexpected, misplaced). At the counter: KD:CMD:YARD-COUNT.",
            subcommands: [Open.self, Record.self, Close.self])
    }
}
