import ArgumentParser
import Foundation
import KioskCore

extension StocktakeCommand {
    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a stocktake and print its variance report.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake id.") var id: String

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let uuid = try stocktakeID(id)
            let progress = TerminalProgress()
            do {
                let lines = try progress.run { try database.stocktakes.close(uuid, progress: $0) }
                progress.finish("盘点已关闭 stocktake closed: \(TerminalProgress.grouped(lines.count)) lines")
                printReport(lines)
            } catch let e as any ScanRefusal {
                throw Refused(e.description)
            }
        }
    }
}
