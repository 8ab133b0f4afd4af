import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a work order (checked in).")
        @OptionGroup var store: StoreOptions
        @Option var plate: String
        @Option var vin: String
        @Option var phone: String
        @Option(name: .customLong("service"), help: "CODE:NAME[:STANDARD_HOURS], repeatable.") var services: [ServiceArgument] = []
        @Option(help: "Promised time (ISO 8601).") var promised: String?
        @Option var bay: String?
        @Option(help: "The ticket code (default: WO<date>-<n>).") var ticket: String?
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let order = try refusing {
                try db.workshop.open(WorkOrderDraft(ticketCode: ticket, plate: plate, vin: vin, customerPhone: phone,
                                                    services: services.map(\.item), promisedAt: try promised.map(parseDate), bay: bay), actor: actor ?? cliActor)
            }
            print("已开单 opened \(order.ticketCode)\tphone page token \(order.publicToken)")
        }
    }
}
