import ArgumentParser
import Foundation
import KioskCore

extension PurchaseOrdersCommand {
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel an open order: nothing more is received against it (audited).")
        @OptionGroup var store: StoreOptions
        @Argument var number: String

        func run() async throws {
            let (config, database) = try store.openDatabase()
            try refuseOnABoard(config)
            do { try database.purchasing.cancel(number, actor: cliActor) } catch let error as PurchasingError { throw Refused(error.description) }
            print("✓ 已取消 cancelled \(number)")
        }
    }
}
