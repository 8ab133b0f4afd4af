import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A work order with its transitions.")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            guard let o = try db.workshop.order(ticket) else { throw Refused(WorkshopError.unknownWorkOrder(ticket).description) }
            print(describe(o))
            for t in try db.workshop.transitions(of: ticket) {
                print("  \(ISO8601DateFormatter().string(from: t.at))\t\(t.fromState?.rawValue ?? "-") → \(t.toState.rawValue)\t\(t.actor)\t\(t.bay ?? "-")\t\(t.reason ?? "")")
            }
        }
    }
}
