import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct PartsRequests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "parts-requests", abstract: "Open parts requests (who waits for parts).")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for r in try db.workshop.openPartsRequests() {
                print("\(r.ticketCode)\t\(r.bay ?? "-")\t\(r.parts.map { "\($0.partNumber)×\($0.quantity)" }.joined(separator: " "))")
            }
        }
    }
}
