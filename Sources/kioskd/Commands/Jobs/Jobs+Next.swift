import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Advance a job along the main path (the bay's button).")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
        @Flag(help: "Read the actor's PIN (prompt or stdin): the move carries their proof, which the hub needs from a bay or desk.")
        var withPin = false
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let key = try withPin ? PINInput.proofKey(actor ?? cliActor, db) : nil
            print(describe(try refusing { try db.workshop.advance(ticket, actor: actor ?? cliActor, proofKey: key) }))
        }
    }
}
