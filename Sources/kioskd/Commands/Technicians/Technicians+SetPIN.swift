import ArgumentParser
import Foundation
import KioskCore

extension Technicians {
    struct SetPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-pin", abstract: "Set a technician's PIN (4–8 digits).")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument(help: .hidden) var pin: String?
        func run() async throws {
            if pin != nil { throw Refused(PINInput.notOnCommandLine) }
            let typed = try PINInput.read()
            let (_, db) = try store.openDatabase()
            try refusing { try db.workshop.setPIN(badge: badge, pin: typed, actor: cliActor) }
            print("已设置密码 PIN set for \(badge) (their open sessions are ended)")
        }
    }
}
