import ArgumentParser
import Foundation
import KioskCore

extension Appointments {
    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-in", abstract: "Open the work order of an appointment.")
        @OptionGroup var store: StoreOptions
        @Argument var code: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let o = try refusing { try db.workshop.checkIn(appointment: code, actor: cliActor) }
            print("已接车 checked in \(o.ticketCode)")
        }
    }
}
