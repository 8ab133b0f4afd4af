import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct ClockOn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clock-on", abstract: "Clock a technician onto a job.")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument var ticket: String
        @Option var bay: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            _ = try refusing { try db.workshop.clockOn(badge: badge, ticket: ticket, bay: bay) }
            print("上工 \(badge) on \(ticket)")
        }
    }
}
