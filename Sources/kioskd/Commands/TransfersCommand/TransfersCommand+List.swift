import ArgumentParser
import Foundation
import KioskCore

extension TransfersCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The cartons this store shipped and the ones coming to it, newest first.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Only cartons still in transit.") var inTransit = false

        func run() async throws {
            let (_, database) = try store.openDatabase()
            print("sscc\tdirection\tstore\tpart\tquantity\tshipped\treceived")
            for t in try database.transfers.list(inTransitOnly: inTransit) {
                let received = t.receivedAt.map { "\(WireDate.text($0)) \(t.receivedBy ?? "") → \(t.toBin ?? "")" } ?? "在途 in transit"
                print("\(t.sscc)\t\(t.incoming ? "in ←" : "out →")\t\(t.incoming ? t.fromStore : t.toStore)\t\(t.partNumber)\t\(t.quantity)\t\(WireDate.text(t.shippedAt))\t\(received)")
            }
        }
    }
}
