import ArgumentParser
import Foundation
import KioskCore

extension Technicians {
    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a person a role (written to the audit log).")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument(help: "clerk, technician, service_advisor, manager or admin") var role: String
        func run() async throws {
            guard let parsed = StaffRole(argument: role) else { throw Refused(AccessError.unknownRole(role).description) }
            let (_, db) = try store.openDatabase()
            do {
                try db.access.setRole(badge: badge, to: parsed, actor: cliActor)
            } catch let error as AccessError {
                throw Refused(error.description)
            } catch let error as WorkshopError {
                throw Refused(error.description)
            }
            print("\(badge) → \(parsed.rawValue) \(parsed.nameZh)")
        }
    }
}
