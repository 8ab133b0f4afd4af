import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct ClockOff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clock-off", abstract: "Clock a technician off.")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            try refusing { try db.workshop.clockOff(badge: badge) }
            print("下工 \(badge) off")
        }
    }
}
