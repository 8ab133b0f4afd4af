import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A car's movements on the yard.")
        @OptionGroup var store: StoreOptions
        @Argument var vin: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let vin = try parseVIN(vin)
            for m in try db.yard.movements(of: vin.text) {
                print(["#\(m.seq ?? 0)", m.kind.rawValue, m.fromBin ?? "-", m.toBin ?? "-", m.salesOrder ?? "-", m.actor,
                       ISO8601DateFormatter().string(from: m.recordedAt)].joined(separator: "\t"))
            }
        }
    }
}
