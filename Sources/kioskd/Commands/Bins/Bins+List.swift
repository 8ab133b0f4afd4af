import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

extension Bins {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List bins and the text of their labels.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, database) = try store.openDatabase()
            for bin in try database.catalog.bins() { print("\(bin.code)\t\(bin.labelBarcode)\t\(bin.label)") }
        }
    }
}
