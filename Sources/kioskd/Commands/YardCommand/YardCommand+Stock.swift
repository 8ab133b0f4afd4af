import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Stock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cars free to sell per model and colour, against safety stock.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for line in try db.yard.stockByModel() {
                let low = line.safetyStock.map { line.available < $0 } ?? false
                print([line.model, line.colour, String(line.available), line.safetyStock.map(String.init) ?? "-", low ? "⚠ 低于安全库存 below safety stock" : ""]
                    .joined(separator: "\t"))
            }
        }
    }
}
