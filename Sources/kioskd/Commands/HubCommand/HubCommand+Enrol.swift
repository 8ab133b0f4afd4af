import ArgumentParser
import Foundation
import KioskCore
import Sync

extension HubCommand {
    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a one-time code (24 h) for a device to enrol with: kioskd sync enrol --code CODE on the device.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The device's id ([device] id in its config).") var device: String
        @Option(help: "What the device is for, which decides what it may send and what it gets: counter (parts counter), bay (a service bay), desk (the service desk: customers' data), lobby (lobby kiosk and phone page), store (a store hub under head office).")
        var role: String
        @Option(help: "The bay a bay device serves (needed with --role bay): the hub accepts its buttons' moves for the job at that bay only.")
        var bay: String?
        func run() async throws {
            guard let parsed = DeviceRole(argument: role) else {
                throw Refused("未知设备角色 \(role) / unknown device role \"\(role)\": use \(DeviceRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let (_, db) = try store.openDatabase()
            let code = try db.hub.enrolmentCode(for: device, role: parsed, bay: bay, actor: cliActor)
            print("注册码 enrolment code for \(device) (\(parsed.rawValue) \(parsed.nameZh)\(bay.map { ", bay \($0)" } ?? "")): \(code)  (24 h, once)")
        }
    }
}
