import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct RequestParts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "request-parts", abstract: "Ask the counter for parts for a job.")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Option(name: .customLong("part"), help: "PART:QTY, repeatable.") var parts: [PartArgument]
        @Option var bay: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let r = try refusing { try db.workshop.requestParts(ticket, bay: bay, parts: parts.map(\.part)) }
            print("已请求 requested \(r.parts.map { "\($0.partNumber)×\($0.quantity)" }.joined(separator: " ")) for \(ticket)")
        }
    }
}
