import ArgumentParser
import Foundation
import KioskCore

struct Movements: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stock movements, newest first.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Only this part.") var part: String?
    @Option(help: "Only movements in or out of this bin.") var bin: String?
    @Option(name: .customLong("work-order"), help: "Only this work order.") var workOrder: String?
    @Option(help: "At most this many.") var limit = 50

    func run() async throws {
        let (_, database) = try store.openDatabase()
        let formatter = ISO8601DateFormatter()
        print("seq\ttime\tkind\tpart\tqty\tfrom\tto\twork_order\tactor\tkey\tlot\texpiry\tserial\tnet")
        for m in try database.stock.movements(partNumber: part, bin: bin, workOrder: workOrder, limit: limit) {
            print([String(m.seq ?? 0), formatter.string(from: m.recordedAt), m.kind.rawValue, m.partNumber, String(m.quantity),
                   m.fromBin ?? "-", m.toBin ?? "-", m.workOrder ?? "-", m.actor, m.key.uuidString,
                   m.lot ?? "-", m.expiry ?? "-", m.serial ?? "-", m.netQuantity ?? "-"].joined(separator: "\t"))
        }
    }
}
