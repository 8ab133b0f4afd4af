import ArgumentParser
import Foundation
import KioskCore

extension Technicians {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a person; the badge carries KD:TECH:<badge>.")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument var name: String
        @Flag(help: "Ask for a PIN (4–8 digits) for the touch pages: typed at a prompt, or one line on stdin.") var withPin = false
        @Option(help: .hidden) var pin: String?
        @Option(help: "Their role (default technician): clerk, technician, service_advisor, manager, admin.") var role: String?
        func run() async throws {
            if pin != nil { throw Refused(PINInput.notOnCommandLine) }
            let typed = withPin ? try PINInput.read() : nil
            let (_, db) = try store.openDatabase()
            let parsed = try role.map { text in
                guard let r = StaffRole(argument: text) else { throw Refused(AccessError.unknownRole(text).description) }
                return r
            }
            if let typed { _ = try refusing { try PINHash.make(typed) } }   // a bad PIN changes nothing
            try db.workshop.save(Technician(badge: badge, name: name, pinHash: nil))
            // Through setPIN, so that the new PIN is audited under the CLI's user and ends the badge's sessions.
            if let typed { try refusing { try db.workshop.setPIN(badge: badge, pin: typed, actor: cliActor) } }
            if let parsed { try db.access.setRole(badge: badge, to: parsed, actor: cliActor) }
            print("已登记 registered \(badge) \(name)\(parsed.map { " (\($0.rawValue))" } ?? "")")
        }
    }
}
