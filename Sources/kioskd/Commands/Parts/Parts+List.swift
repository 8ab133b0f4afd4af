import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

extension Parts {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List parts with their barcodes and thresholds.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (_, database) = try store.openDatabase()
            for part in try database.catalog.parts() {
                let codes = try database.catalog.barcodes(of: part.partNumber).map(\.code).joined(separator: "|")
                print([part.partNumber, part.nameZh, part.nameEn, part.unit, "safety=\(part.safetyStock)",
                       "reorder=\(part.reorderPoint)", "bin=\(part.defaultBin ?? "-")", "cost=\(part.unitCost.map(yuanText) ?? "-")", codes].joined(separator: "\t"))
            }
        }
    }
}
