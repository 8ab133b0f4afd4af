import Foundation
import KioskCore
import Scanner
import TOMLKit

/// The daemon's configuration (`/etc/kioskd/kioskd.toml`, or `--config`), documented key by
/// key in `config/kioskd.example.toml`. Without a file, ``embeddedDefault`` applies.
struct KioskConfig: Sendable, Hashable {
    struct ScannerConfig: Sendable, Hashable {
        enum Kind: String, Sendable, CaseIterable { case hid, serial, fifo, stdin }
        var kind: Kind
        /// hid: device path; serial: tty path; fifo: FIFO path (default `<data_dir>/scan.fifo`).
        var path: String?
        /// hid: match the device by name instead of path.
        var deviceName: String?
        var baud: Int = 9600
        var interKeyTimeoutMilliseconds: Int = 50
        /// 0: every scan counts (handheld triggers). Cameras want a window.
        var duplicateWindowMilliseconds: Int = 0
        /// The key path in the file, for messages (`scanners[1]`).
        var keyPath: String
    }

    var deviceID: String
    var dataDirectory: String
    var defaultActor: String = "clerk"
    var allowNegativeStock: Bool = false
    var logLevel: String = "info"
    var scanners: [ScannerConfig]
    /// Where the config came from, for messages.
    var origin: String

    var databasePath: String { (dataDirectory as NSString).appendingPathComponent("kioskd.sqlite") }

    /// The FIFO a `fifo` scanner reads: its own path, or `scan.fifo` in the data directory.
    func fifoPath(of scanner: ScannerConfig) -> String {
        scanner.path ?? (dataDirectory as NSString).appendingPathComponent("scan.fifo")
    }

    /// No file: data in `$STATE_DIRECTORY` (under systemd) or `./kioskd-data`, the host name
    /// as device id, and a simulated scanner: standard input plus a FIFO in the data directory.
    static func embeddedDefault(environment: [String: String] = ProcessInfo.processInfo.environment) -> KioskConfig {
        let dataDirectory = environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) }
            ?? FileManager.default.currentDirectoryPath + "/kioskd-data"
        return KioskConfig(
            deviceID: ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "counter",
            dataDirectory: dataDirectory,
            scanners: [
                ScannerConfig(kind: .stdin, keyPath: "scanners[0]"),
                ScannerConfig(kind: .fifo, keyPath: "scanners[1]"),
            ],
            origin: "embedded default")
    }

    /// Loads `path`, or the system file if it exists, or the embedded default.
    static func load(path: String?) throws(ConfigError) -> KioskConfig {
        if let path { return try parse(file: path) }
        if FileManager.default.fileExists(atPath: "/etc/kioskd/kioskd.toml") {
            return try parse(file: "/etc/kioskd/kioskd.toml")
        }
        return embeddedDefault()
    }

    static func parse(file: String) throws(ConfigError) -> KioskConfig {
        guard let data = FileManager.default.contents(atPath: file) else { throw .unreadable(file, String(cString: strerror(errno))) }
        return try parse(String(decoding: data, as: UTF8.self), origin: file)
    }

    static func parse(_ text: String, origin: String) throws(ConfigError) -> KioskConfig {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw .syntax(origin, "\(error.description) at line \(error.source.begin.line), column \(error.source.begin.column)")
        } catch { throw .syntax(origin, "\(error)") }
        let reader = TOMLReader(origin: origin)
        let defaults = embeddedDefault()
        try reader.allow(table, keys: ["device", "counter", "log", "scanners"], at: "")
        var config = defaults
        config.origin = origin
        if let device = try reader.table(table, "device", at: "") {
            try reader.allow(device, keys: ["id", "data_dir"], at: "device")
            config.deviceID = try reader.string(device, "id", at: "device") ?? defaults.deviceID
            config.dataDirectory = try reader.string(device, "data_dir", at: "device") ?? defaults.dataDirectory
            if config.deviceID.isEmpty { throw .invalid("device.id", "must not be empty: name the device, e.g. \"counter-1\"") }
        }
        if let counter = try reader.table(table, "counter", at: "") {
            try reader.allow(counter, keys: ["default_actor", "allow_negative_stock"], at: "counter")
            config.defaultActor = try reader.string(counter, "default_actor", at: "counter") ?? config.defaultActor
            config.allowNegativeStock = try reader.bool(counter, "allow_negative_stock", at: "counter") ?? false
        }
        if let log = try reader.table(table, "log", at: "") {
            try reader.allow(log, keys: ["level"], at: "log")
            let level = try reader.string(log, "level", at: "log") ?? "info"
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else { throw .invalid("log.level", "\"\(level)\" is not one of \(levels.joined(separator: ", "))") }
            config.logLevel = level
        }
        if let value = table["scanners"] {
            guard let array = value.array else { throw .wrongType("scanners", expected: "array of tables ([[scanners]])", got: "\(value.type)") }
            config.scanners = []
            for (index, element) in array.enumerated() {
                let at = "scanners[\(index)]"
                guard let scanner = element.table else { throw .wrongType(at, expected: "table", got: "\(element.type)") }
                try reader.allow(scanner, keys: ["kind", "path", "name", "baud", "inter_key_timeout_ms", "duplicate_window_ms"], at: at)
                guard let kindText = try reader.string(scanner, "kind", at: at) else {
                    throw .missing("\(at).kind", "one of \(ScannerConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let kind = ScannerConfig.Kind(rawValue: kindText) else {
                    throw .invalid("\(at).kind", "\"\(kindText)\" is not one of \(ScannerConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                var s = ScannerConfig(kind: kind, keyPath: at)
                s.path = try reader.string(scanner, "path", at: at)
                s.deviceName = try reader.string(scanner, "name", at: at)
                s.baud = try reader.int(scanner, "baud", at: at) ?? 9600
                s.interKeyTimeoutMilliseconds = try reader.int(scanner, "inter_key_timeout_ms", at: at) ?? 50
                s.duplicateWindowMilliseconds = try reader.int(scanner, "duplicate_window_ms", at: at) ?? 0
                switch kind {
                case .hid where s.path == nil && s.deviceName == nil:
                    throw .missing("\(at).path", "the device path (/dev/input/by-id/…) or \(at).name (part of the device name)")
                case .serial where s.path == nil:
                    throw .missing("\(at).path", "the serial port, e.g. /dev/ttyACM0")
                case .serial where !SerialScanner.supportedBaudRates.contains(s.baud):
                    throw .invalid("\(at).baud", "\(s.baud) is not one of \(SerialScanner.supportedBaudRates.map(String.init).joined(separator: ", "))")
                default: break
                }
                guard (5...2000).contains(s.interKeyTimeoutMilliseconds) else {
                    throw .invalid("\(at).inter_key_timeout_ms", "\(s.interKeyTimeoutMilliseconds) is outside 5…2000")
                }
                guard (0...60000).contains(s.duplicateWindowMilliseconds) else {
                    throw .invalid("\(at).duplicate_window_ms", "\(s.duplicateWindowMilliseconds) is outside 0…60000")
                }
                config.scanners.append(s)
            }
        }
        return config
    }

    /// Problems a running daemon would meet: devices that are not there now. The daemon
    /// still starts with them (it waits for a scanner to be plugged in); `check-config`
    /// reports them.
    func deviceProblems() -> [String] {
        scanners.compactMap { s in
            switch s.kind {
            case .hid:
                if let path = s.path, !FileManager.default.fileExists(atPath: path) {
                    return "\(s.keyPath).path: \(path) 不存在 does not exist: plug the scanner in, or use a path from /dev/input/by-id/"
                }
                if let name = s.deviceName, !EvdevScanner.inputDevices().contains(where: { $0.name.localizedCaseInsensitiveContains(name) }) {
                    return "\(s.keyPath).name: no input device named \"\(name)\" (seen: \(EvdevScanner.inputDevices().map(\.name).joined(separator: "; ")))"
                }
                return nil
            case .serial:
                if let path = s.path, !FileManager.default.fileExists(atPath: path) {
                    return "\(s.keyPath).path: \(path) 不存在 does not exist: plug the scanner in or fix the port"
                }
                return nil
            case .fifo, .stdin:
                return nil
            }
        }
    }
}

/// Why the configuration cannot be used. Each message names the key and what to do.
enum ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String, String)
    case syntax(String, String)
    case unknownKey(String, allowed: [String])
    case wrongType(String, expected: String, got: String)
    case missing(String, String)
    case invalid(String, String)

    var description: String {
        switch self {
        case let .unreadable(file, why): "配置文件无法读取 cannot read config \(file): \(why)"
        case let .syntax(file, why): "配置文件语法错误 TOML syntax error in \(file): \(why)"
        case let .unknownKey(key, allowed): "未知配置项 unknown key \(key): remove it or use one of \(allowed.joined(separator: ", "))"
        case let .wrongType(key, expected, got): "配置项类型错误 \(key): expected \(expected), got \(got)"
        case let .missing(key, what): "缺少配置项 missing \(key): set it to \(what)"
        case let .invalid(key, why): "配置项无效 \(key): \(why)"
        }
    }
}

/// Reads typed values from TOML tables, naming the full key in every error.
struct TOMLReader {
    let origin: String

    func allow(_ table: TOMLTable, keys: [String], at path: String) throws(ConfigError) {
        for key in table.keys where !keys.contains(key) {
            throw .unknownKey(path.isEmpty ? key : "\(path).\(key)", allowed: keys.map { path.isEmpty ? $0 : "\(path).\($0)" })
        }
    }

    private func full(_ key: String, _ path: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func table(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> TOMLTable? {
        guard let value = t[key] else { return nil }
        guard let table = value.table else { throw .wrongType(full(key, path), expected: "table", got: "\(value.type)") }
        return table
    }

    func string(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> String? {
        guard let value = t[key] else { return nil }
        guard let s = value.string else { throw .wrongType(full(key, path), expected: "string", got: "\(value.type)") }
        return s
    }

    func int(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> Int? {
        guard let value = t[key] else { return nil }
        guard let i = value.int else { throw .wrongType(full(key, path), expected: "integer", got: "\(value.type)") }
        return i
    }

    func bool(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> Bool? {
        guard let value = t[key] else { return nil }
        guard let b = value.bool else { throw .wrongType(full(key, path), expected: "boolean (true/false)", got: "\(value.type)") }
        return b
    }
}
