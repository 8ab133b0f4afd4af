import ArgumentParser
import Foundation
import KioskCore

extension YardCommand.Count {
    struct Open: AsyncParsableCommand {
        @OptionGroup var store: StoreOptions
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let id = try yardRefusing { try db.yard.openStocktake(actor: actor ?? cliActor) }
            print("车场盘点已开始 yard stocktake opened \(id.uuidString)")
        }
    }
}
