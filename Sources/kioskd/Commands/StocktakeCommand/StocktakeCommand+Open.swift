import ArgumentParser
import Foundation
import KioskCore

extension StocktakeCommand {
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a stocktake of one bin, or of the whole store.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The bin to count.") var bin: String?
        @Flag(name: .customLong("whole-store"), help: "Count every bin.") var wholeStore = false
        @Option(help: "Who opens it.") var actor: String?

        func validate() throws {
            if (bin == nil) == !wholeStore { throw ValidationError("give either --bin CODE or --whole-store") }
        }

        func run() async throws {
            let (_, database) = try store.openDatabase()
            do {
                let s = try database.stocktakes.open(bin: bin, actor: actor ?? cliActor)
                print("已开始盘点 opened \(s.id.uuidString) \(s.scopeDescription)")
            } catch let e as any ScanRefusal { throw Refused(e.description) }
        }
    }
}
