import ArgumentParser
import Foundation
import KioskCore

extension StocktakeCommand {
    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm a closed stocktake: post one count movement per differing line.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake id.") var id: String
        @Option(help: "Who confirms it.") var actor: String?

        func run() async throws {
            let (config, database) = try store.openDatabase()
            let uuid = try stocktakeID(id)
            do {
                let movements = try database.stocktakes.confirm(uuid, deviceID: config.deviceID, actor: actor ?? cliActor)
                print("已确认 confirmed: \(movements.count) adjustments posted")
            } catch let e as any ScanRefusal { throw Refused(e.description) }
        }
    }
}
