import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

struct Bins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bins (库位): add and list. Bin labels carry KD:BIN:<code>.",
        subcommands: [Add.self, List.self])
}
