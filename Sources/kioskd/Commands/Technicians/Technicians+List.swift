import ArgumentParser
import Foundation
import KioskCore

extension Technicians {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everyone with a badge, and their role.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for person in try db.access.staff() {
                print([person.badge, person.name, person.role.rawValue, person.role.nameZh].joined(separator: "\t"))
            }
        }
    }
}
