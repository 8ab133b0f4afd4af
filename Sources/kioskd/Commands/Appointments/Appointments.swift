import ArgumentParser
import Foundation
import KioskCore

struct Appointments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Appointments (预约) from upstream.", subcommands: [Add.self, CheckIn.self])
}
