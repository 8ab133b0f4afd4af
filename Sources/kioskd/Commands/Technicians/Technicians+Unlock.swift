import ArgumentParser
import Foundation
import KioskCore

extension Technicians {
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a badge's PIN lock after checking with the person (audited; the next lock still lasts longer).")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            try refusing { try db.workshop.unlockPIN(badge: badge, actor: cliActor) }
            print("已解锁 unlocked \(badge)")
        }
    }
}
