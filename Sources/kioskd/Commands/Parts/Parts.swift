import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

struct Parts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The parts catalog (配件).",
        subcommands: [Import.self, Export.self, List.self])
}
