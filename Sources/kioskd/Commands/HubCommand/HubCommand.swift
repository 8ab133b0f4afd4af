import ArgumentParser
import Foundation
import KioskCore
import Sync

/// The hub's side: enrol devices, list them, revoke a stolen one.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "The store hub (门店主机): devices that sync with it.",
        subcommands: [Enrol.self, Devices.self, Revoke.self])
}
