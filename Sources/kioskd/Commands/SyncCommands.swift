import ArgumentParser
import Foundation
import KioskCore
import Sync

/// The hub's side: enrol devices, list them, revoke a stolen one.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "The store hub (门店主机): devices that sync with it.",
        subcommands: [Enrol.self, Devices.self, Revoke.self])

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a one-time code (24 h) for a device to enrol with: kioskd sync enrol --code CODE on the device.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The device's id ([device] id in its config).") var device: String
        @Option(help: "What the device is for, which decides what it may send and what it gets: counter (parts counter), bay (a service bay), desk (the service desk: customers' data), lobby (lobby kiosk and phone page), store (a store hub under head office).")
        var role: String
        func run() async throws {
            guard let parsed = DeviceRole(argument: role) else {
                throw Refused("未知设备角色 \(role) / unknown device role \"\(role)\": use \(DeviceRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let (_, db) = try store.openDatabase()
            let code = try db.hub.enrolmentCode(for: device, role: parsed, actor: cliActor)
            print("注册码 enrolment code for \(device) (\(parsed.rawValue) \(parsed.nameZh)): \(code)  (24 h, once)")
        }
    }
    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrolled devices and how many events each has pushed.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for d in try db.hub.devices() {
                let fields = [d.deviceID, d.role.rawValue, ISO8601DateFormatter().string(from: d.enrolledAt), d.revoked ? "revoked 已吊销" : "active", "events=\(d.events)"]
                print((fields + (d.auditAlarm.map { ["ALARM: \($0)"] } ?? [])).joined(separator: "\t"))
            }
        }
    }
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a device from now on (a lost or stolen board).")
        @OptionGroup var store: StoreOptions
        @Argument var device: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            do { try db.hub.revoke(device, actor: cliActor) } catch { throw Refused("\(error)") }
            print("已吊销 revoked \(device)")
        }
    }
}

/// The device's side: enrol, see the queue, push now.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync with the store hub ([sync] upstream): enrol, status, push.",
        subcommands: [Enrol.self, Status.self, Push.self])

    static func settings(_ store: StoreOptions) throws -> (KioskConfig, KioskDatabase, SyncSettings) {
        let (config, db) = try store.openDatabase()
        guard let sync = config.sync else { throw Refused("未配置同步 / no [sync] upstream in \(config.origin): add one with the hub's URL") }
        return (config, db, SyncSettings(upstream: sync.upstream, deviceID: config.deviceID, tokenFile: config.syncTokenFile, batchSize: sync.batchSize, caFile: sync.caFile))
    }

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol this device with the hub using the code from kioskd hub enrol.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The one-time code.") var code: String
        func run() async throws {
            let (_, db, settings) = try SyncCommand.settings(store)
            let client = try SyncClient(settings: settings)
            let role: DeviceRole?
            do { role = try await client.enrol(code: code) } catch { throw Refused("\(error)") }
            try db.outbox.enable()
            if let key = try client.deviceKey() { try db.outbox.setDeviceKey(key) }
            print("已注册 enrolled \(settings.deviceID)\(role.map { " as \($0.rawValue) \($0.nameZh)" } ?? "") with \(settings.upstream); token in \(settings.tokenFile)")
        }
    }
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Events waiting, lag, last success, last error.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let s = try db.outbox.status()
            print("queue\t\(s.queueDepth)\nlag_s\t\(String(format: "%.1f", s.lagSeconds))")
            print("last_success\t\(s.lastSuccess.map { ISO8601DateFormatter().string(from: $0) } ?? "-")")
            print("last_error\t\(s.lastError ?? "-")\nlast_rejection\t\(s.lastRejection ?? "-")")
        }
    }
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send everything waiting now (the daemon does this on its own).")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db, settings) = try SyncCommand.settings(store)
            try db.outbox.enable()
            let start = Date()
            do {
                let client = try SyncClient(settings: settings)
                let (sent, bytes) = try await SyncService.drainMeasured(client, database: db)
                let pushed = Date().timeIntervalSince(start)
                let pulled = try await SyncService.pull(client, database: db)
                print("已同步 pushed \(sent) events (\(bytes) bytes, \(sent == 0 ? 0 : bytes / sent) per event) in \(String(format: "%.2f", pushed)) s"
                      + (sent == 0 ? "" : " = \(Int(Double(sent) / max(pushed, 0.001))) events/s") + "; pulled \(pulled) changes")
            } catch {
                throw Refused("\(error)")
            }
        }
    }
}
