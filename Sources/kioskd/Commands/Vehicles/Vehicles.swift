import ArgumentParser
import Foundation
import KioskCore

struct Vehicles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vehicles",
        abstract: "Vehicles by VIN (车架号): decode a VIN, check a vehicle in at the service desk, its service history.",
        subcommands: [Decode.self, CheckIn.self, History.self])
}
