import ArgumentParser
import Foundation
import KioskCore

extension Appointments {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record an appointment; its QR code is KD:APT:<code>.")
        @OptionGroup var store: StoreOptions
        @Argument var code: String
        @Option var plate: String
        @Option var vin: String
        @Option var phone: String
        @Option(name: .customLong("service")) var services: [ServiceArgument] = []
        @Option var promised: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            try db.workshop.save(Appointment(code: code, plate: plate, vin: vin, customerPhone: phone, services: services.map(\.item),
                                             promisedAt: try promised.map(parseDate)))
            print("已登记预约 appointment \(code)")
        }
    }
}
