import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a job to a state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Argument var state: JobState
        @Option var reason: String?
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
        @Flag(help: "Read the actor's PIN (prompt or stdin): the move carries their proof, which the hub needs from a bay or desk.")
        var withPin = false
        @Option var bay: String?
        @Option(name: .customLong("part"), help: "PART:QTY the job waits for (with waitingParts), repeatable.") var parts: [PartArgument] = []
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let key = try withPin ? PINInput.proofKey(actor ?? cliActor, db) : nil
            let o = try refusing { try db.workshop.transition(ticket, to: state, actor: actor ?? cliActor, bay: bay, reason: reason, parts: parts.map(\.part), proofKey: key) }
            print(describe(o))
        }
    }
}
