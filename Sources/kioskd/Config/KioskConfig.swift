import Foundation
import Labels
import Indicators
import KioskCore
import KioskWeb
import Scanner
import Sync
import TOMLKit

/// The daemon's configuration (`/etc/kioskd/kioskd.toml`, or `--config`), documented key by
/// key in `config/kioskd.example.toml`. Without a file, ``embeddedDefault`` applies.
struct KioskConfig: Sendable, Hashable {
    struct ScannerConfig: Sendable, Hashable {
        enum Kind: String, Sendable, CaseIterable { case hid, serial, camera, fifo, stdin }
        var kind: Kind
        /// hid: device path; serial: tty path; camera: video device; fifo: FIFO path (default
        /// `<data_dir>/scan.fifo`).
        var path: String?
        /// hid: match the device by name instead of path.
        var deviceName: String?
        var baud: Int = 9600
        var interKeyTimeoutMilliseconds: Int = 50
        /// The scan desk's window for this source; 0: every scan counts (handheld triggers). A
        /// camera's `duplicate_window_ms` (2000 by default) is its own, in `camera`.
        var duplicateWindowMilliseconds: Int = 0
        /// camera: what to capture and decode.
        var camera: CameraSettings?
        /// The key path in the file, for messages (`scanners[1]`).
        var keyPath: String
    }

    /// GPIO at a bay: the stack light, buzzer and buttons.
    struct GPIOConfig: Sendable, Hashable {
        /// `libgpiod` for a real chip, `simulated` for a demo without hardware.
        var backend: String = "libgpiod"
        var stackLight: StackLightConfig
        var buttons: ButtonConfig?
    }

    var deviceID: String
    var dataDirectory: String
    /// Where the pages and the API listen (`host:port`); `nil` turns the web server off.
    var webListen: String? = "127.0.0.1:8080"
    /// The bay this device stands at (工位), if any.
    var bay: String?
    var gpio: GPIOConfig?
    var defaultActor: String = "clerk"
    var allowNegativeStock: Bool = false
    /// `[counter] expired_at_receipt`: refuse (default) or warn when an item past its GS1 expiry is received.
    var expiredAtReceipt: Counter.Options.ExpiryPolicy = .refuse
    /// `[counter] max_quantity_per_scan`: the largest quantity one scan may carry.
    var maximumQuantityPerScan = CounterSession.maximumQuantity
    var logLevel: String = "info"
    var scanners: [ScannerConfig]
    /// Where the config came from, for messages.
    var origin: String

    var databasePath: String { (dataDirectory as NSString).appendingPathComponent("kioskd.sqlite") }

    /// `[security] personal_data_key`: the file with the key that seals customers' phone
    /// numbers and VINs. Without it: the systemd credential `personal-data-key`
    /// (`LoadCredential=`), else `personal-data.key` in the data directory, made on first start.
    var personalDataKeyFile: String?
    /// `[web] secure_cookies`: mark the session cookie `Secure` (the pages are served over
    /// https by a proxy in front of kioskd).
    var secureCookies = false

    /// `[device] role`: a device at the counter, a bay or the lobby, or the store's hub (which
    /// takes devices' enrolments and pushes, and serves the whole store's lobby).
    enum Role: String, Sendable, Hashable, CaseIterable { case device, hub }
    var role: Role = .device
    /// `[sync]`: where this kioskd pushes its changes (a device to its hub, a hub to head office).
    struct SyncConfig: Sendable, Hashable {
        var upstream: String
        var tokenFile: String?
        var batchSize = 500
        /// `ca_file`: PEM certificates to trust for an https upstream (a store's own CA),
        /// instead of the system's roots.
        var caFile: String?
        /// `compress`: gzip the sync's bodies when the hub takes it (default true).
        var compress = true
    }
    /// `[hub]`: a hub's ledger in PostgreSQL (`ledger = "postgres://…"`), shared by a chain
    /// of stores, each under its `store_id` (default: the device id).
    /// `gs1_company_prefix`: the store's GS1 company prefix (7 to 10 digits), for the SSCC
    /// labels of the cartons it ships to sister stores.
    struct HubConfig: Sendable, Hashable {
        var ledger: String
        var storeID: String
        var companyPrefix: String?
    }
    var hub: HubConfig?
    /// `[web] tls_certificate` and `tls_key`: PEM files; the web server then speaks https.
    struct WebTLS: Sendable, Hashable {
        var certificate: String
        var key: String
    }
    var webTLS: WebTLS?
    /// `[web] idle_timeout_seconds` (1…300, default 10), `request_timeout_seconds` (1…600,
    /// default 30: a request's body must arrive within it) and `max_connections_per_address`
    /// (1…10000, default 64; raise it behind a reverse proxy).
    var connectionLimits = ConnectionLimits()
    var sync: SyncConfig?
    var syncTokenFile: String { sync?.tokenFile ?? (dataDirectory as NSString).appendingPathComponent("sync-token") }

    /// `[[webhooks]]`: endpoints of the store's other systems that get its events.
    struct WebhookConfig: Sendable, Hashable {
        var endpoint: WebhookEndpoint
        /// The file holding the signing secret (relative: in systemd's `$CREDENTIALS_DIRECTORY`).
        var secretFile: String
    }
    var webhooks: [WebhookConfig] = []

    /// The webhook endpoints with their secrets, read from their files now. A secret must be
    /// 16 bytes or more (the file's text, without its line end).
    func webhookTargets(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [WebhookService.Target] {
        try webhooks.map { hook in
            var path = hook.secretFile
            if !path.hasPrefix("/") {
                guard let credentials = environment["CREDENTIALS_DIRECTORY"] else {
                    throw Refused("webhooks \(hook.endpoint.name): secret_file \"\(path)\" is not an absolute path, and systemd gave no credentials (LoadCredential=\(path):/etc/kioskd/\(path))")
                }
                path = (credentials as NSString).appendingPathComponent(path)
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Refused("webhooks \(hook.endpoint.name): cannot read the signing secret \(path): make it with `openssl rand -hex 32 > \(path)` and chmod 600")
            }
            let secret = Data(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
            guard secret.count >= 16 else {
                throw Refused("webhooks \(hook.endpoint.name): the secret in \(path) is \(secret.count) bytes: use 16 or more (`openssl rand -hex 32`)")
            }
            return WebhookService.Target(endpoint: hook.endpoint, secret: secret)
        }
    }
    /// `[[printers]]`: label and receipt printers, and folders for PDF/PNG output.
    var printers: [PrinterConfig] = []
    /// `[labels]`: which printer takes labels and tickets, what tickets say.
    struct LabelsConfig: Sendable, Hashable {
        var labelPrinter: String?
        var ticketPrinter: String?
        var printTicketOnCheckIn = false
        var settings = LabelSettings()
        /// `store_phone`: the service desk's number, shown on the customer's phone page as a `tel:` link.
        var storePhone: String?
        /// `track_url` as the file gives it; without it ``KioskConfig/labelSettings(addresses:)``
        /// derives one where it is used.
        var trackURL: String?
    }
    var labels = LabelsConfig()
    /// The printer for receipts (job tickets, parts-arrival slips): `[labels] ticket_printer`,
    /// else the label printer, else the first printer; `nil` without printers.
    var receiptPrinter: String? {
        printers.isEmpty ? nil : labels.ticketPrinter ?? labels.labelPrinter ?? printers[0].name
    }

    /// Where the personal-data key is read from, and whether kioskd may create it there.
    func personalDataKey(environment: [String: String] = ProcessInfo.processInfo.environment) -> KioskDatabase.KeySource {
        if let personalDataKeyFile { return .file(personalDataKeyFile, create: false) }
        if let credentials = environment["CREDENTIALS_DIRECTORY"] {
            let path = (credentials as NSString).appendingPathComponent("personal-data-key")
            if FileManager.default.fileExists(atPath: path) { return .file(path, create: false) }
        }
        return .file(KioskDatabase.defaultKeyPath(forStore: databasePath), create: true)
    }

    /// Scheduled backups (`[backup]`); on by default, into `<data_dir>/backups` at 02:30.
    struct BackupConfig: Sendable, Hashable {
        var directory: String?
        var schedule = BackupSchedule()
    }
    var backup: BackupConfig? = BackupConfig()
    var backupDirectory: String { backup?.directory ?? (dataDirectory as NSString).appendingPathComponent("backups") }

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
        try reader.allow(table, keys: ["device", "counter", "log", "scanners", "bay", "gpio", "web", "backup", "security", "printers", "labels", "sync", "hub", "webhooks"], at: "")
        var config = defaults
        config.origin = origin
        if let device = try reader.table(table, "device", at: "") {
            try reader.allow(device, keys: ["id", "data_dir", "role"], at: "device")
            if let role = try reader.string(device, "role", at: "device") {
                guard let parsed = Role(rawValue: role) else { throw .invalid("device.role", "\"\(role)\" is not one of device, hub") }
                config.role = parsed
            }
            config.deviceID = try reader.string(device, "id", at: "device") ?? defaults.deviceID
            config.dataDirectory = try reader.string(device, "data_dir", at: "device") ?? defaults.dataDirectory
            if config.deviceID.isEmpty { throw .invalid("device.id", "must not be empty: name the device, e.g. \"counter-1\"") }
        }
        if let counter = try reader.table(table, "counter", at: "") {
            try reader.allow(counter, keys: ["default_actor", "allow_negative_stock", "expired_at_receipt", "max_quantity_per_scan"], at: "counter")
            if let maximum = try reader.int(counter, "max_quantity_per_scan", at: "counter") {
                guard (1...CounterSession.maximumQuantity).contains(maximum) else {
                    throw .invalid("counter.max_quantity_per_scan", "\(maximum) is outside 1…\(CounterSession.maximumQuantity)")
                }
                config.maximumQuantityPerScan = maximum
            }
            if let policy = try reader.string(counter, "expired_at_receipt", at: "counter") {
                guard let value = Counter.Options.ExpiryPolicy(rawValue: policy) else {
                    throw .invalid("counter.expired_at_receipt", "\"\(policy)\" is not \"refuse\" or \"warn\"")
                }
                config.expiredAtReceipt = value
            }
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
        if let backup = try reader.table(table, "backup", at: "") {
            try reader.allow(backup, keys: ["enabled", "dir", "at", "full_weekday", "keep_full"], at: "backup")
            var b = BackupConfig()
            b.directory = try reader.string(backup, "dir", at: "backup")
            if let at = try reader.string(backup, "at", at: "backup") {
                let parts = at.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                    throw .invalid("backup.at", "\"\(at)\" is not a time of day such as \"02:30\"")
                }
                b.schedule.minuteOfDay = parts[0] * 60 + parts[1]
            }
            if let day = try reader.string(backup, "full_weekday", at: "backup") {
                let names = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
                guard let index = names.firstIndex(of: day.lowercased()) else {
                    throw .invalid("backup.full_weekday", "\"\(day)\" is not one of \(names.joined(separator: ", "))")
                }
                b.schedule.fullWeekday = index + 1
            }
            if let keep = try reader.int(backup, "keep_full", at: "backup") {
                guard (1...52).contains(keep) else { throw .invalid("backup.keep_full", "\(keep) is outside 1…52") }
                b.schedule.keepFull = keep
            }
            config.backup = try reader.bool(backup, "enabled", at: "backup") == false ? nil : b
        }
        if let web = try reader.table(table, "web", at: "") {
            try reader.allow(web, keys: ["listen", "enabled", "secure_cookies", "tls_certificate", "tls_key", "idle_timeout_seconds",
                                         "request_timeout_seconds", "max_connections_per_address"], at: "web")
            if let seconds = try reader.int(web, "idle_timeout_seconds", at: "web") {
                guard (1...300).contains(seconds) else { throw .invalid("web.idle_timeout_seconds", "\(seconds) is outside 1…300") }
                config.connectionLimits.idleTimeout = .seconds(seconds)
            }
            if let seconds = try reader.int(web, "request_timeout_seconds", at: "web") {
                guard (1...600).contains(seconds) else { throw .invalid("web.request_timeout_seconds", "\(seconds) is outside 1…600") }
                config.connectionLimits.requestTimeout = .seconds(seconds)
            }
            if let cap = try reader.int(web, "max_connections_per_address", at: "web") {
                guard (1...10_000).contains(cap) else { throw .invalid("web.max_connections_per_address", "\(cap) is outside 1…10000") }
                config.connectionLimits.perAddress = cap
            }
            config.secureCookies = try reader.bool(web, "secure_cookies", at: "web") ?? false
            switch (try reader.string(web, "tls_certificate", at: "web"), try reader.string(web, "tls_key", at: "web")) {
            case let (certificate?, key?): config.webTLS = WebTLS(certificate: certificate, key: key)
            case (nil, nil): break
            case (nil, _): throw .missing("web.tls_certificate", "the PEM certificate chain to serve https with, beside web.tls_key")
            case (_, nil): throw .missing("web.tls_key", "the PEM private key of web.tls_certificate")
            }
            if let listen = try reader.string(web, "listen", at: "web") {
                guard Self.hostAndPort(listen) != nil else {
                    throw .invalid("web.listen", "\"\(listen)\" is not host:port, e.g. \"0.0.0.0:8080\" or \"127.0.0.1:8080\"")
                }
                config.webListen = listen
            }
            if try reader.bool(web, "enabled", at: "web") == false { config.webListen = nil }
        }
        if let sync = try reader.table(table, "sync", at: "") {
            try reader.allow(sync, keys: ["upstream", "token_file", "batch", "ca_file", "allow_insecure_upstream", "compress"], at: "sync")
            guard let upstream = try reader.string(sync, "upstream", at: "sync") else {
                throw .missing("sync.upstream", "the hub's URL, e.g. \"https://hub.local:8443\"")
            }
            guard let url = URL(string: upstream), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw .invalid("sync.upstream", "\"\(upstream)\" is not an http:// or https:// URL")
            }
            // The token, PIN verifiers and sealed customer data ride on this connection: plain
            // http only when the store says so (a cable between two boards, a test rig).
            if url.scheme == "http", try reader.bool(sync, "allow_insecure_upstream", at: "sync") != true {
                throw .invalid("sync.upstream", "\"\(upstream)\" is plain http: anyone on the network can read and change what syncs. Use https:// (the hub serves it with [web] tls_certificate and tls_key; ca_file trusts the store's own CA), or set allow_insecure_upstream = true in [sync] if the network between the boards is your own")
            }
            var s = SyncConfig(upstream: upstream)
            s.tokenFile = try reader.string(sync, "token_file", at: "sync")
            s.batchSize = try reader.int(sync, "batch", at: "sync") ?? 500
            guard (1...5000).contains(s.batchSize) else { throw .invalid("sync.batch", "\(s.batchSize) is outside 1…5000") }
            s.caFile = try reader.string(sync, "ca_file", at: "sync")
            s.compress = try reader.bool(sync, "compress", at: "sync") ?? true
            config.sync = s
        }
        if let hub = try reader.table(table, "hub", at: "") {
            try reader.allow(hub, keys: ["ledger", "store_id", "gs1_company_prefix"], at: "hub")
            guard config.role == .hub else { throw .invalid("hub", "only a hub has a ledger: set [device] role = \"hub\" or remove [hub]") }
            guard let ledger = try reader.string(hub, "ledger", at: "hub") else {
                throw .missing("hub.ledger", "the PostgreSQL URL, e.g. \"postgres://kioskd@db.local/kioskd\"")
            }
            guard ledger.hasPrefix("postgres://") || ledger.hasPrefix("postgresql://") else {
                throw .invalid("hub.ledger", "\"\(ledger)\" is not a postgres:// URL")
            }
            guard config.sync == nil else {
                throw .invalid("hub", "a hub with a ledger does not push to [sync] upstream: head office reads the ledger's database; remove one of them")
            }
            let prefix = try reader.string(hub, "gs1_company_prefix", at: "hub")
            if let prefix, !SSCC.isValidPrefix(prefix) {
                throw .invalid("hub.gs1_company_prefix", "\"\(prefix)\" must be the store's GS1 company prefix: 7 to 10 digits")
            }
            config.hub = HubConfig(ledger: ledger, storeID: try reader.string(hub, "store_id", at: "hub") ?? config.deviceID, companyPrefix: prefix)
        }
        if let security = try reader.table(table, "security", at: "") {
            try reader.allow(security, keys: ["personal_data_key"], at: "security")
            if let path = try reader.string(security, "personal_data_key", at: "security") {
                guard path.hasPrefix("/") else { throw .invalid("security.personal_data_key", "\"\(path)\" must be an absolute path, e.g. \"/etc/kioskd/personal-data.key\"") }
                config.personalDataKeyFile = path
            }
        }
        if let bay = try reader.table(table, "bay", at: "") {
            try reader.allow(bay, keys: ["id"], at: "bay")
            guard let id = try reader.string(bay, "id", at: "bay"), !id.isEmpty else { throw .missing("bay.id", "the bay's name, e.g. \"BAY-1\"") }
            config.bay = id
        }
        if let gpio = try reader.table(table, "gpio", at: "") {
            config.gpio = try parseGPIO(gpio, reader: reader)
            // Without a [bay] the stack light is the counter's: it shows each scan's outcome.
            guard config.bay != nil || config.gpio?.buttons == nil else {
                throw .missing("bay.id", "the bay whose job the buttons move (gpio.buttons needs a [bay])")
            }
        }
        if let value = table["webhooks"] {
            guard let array = value.array else { throw .wrongType("webhooks", expected: "array of tables ([[webhooks]])", got: "\(value.type)") }
            for (index, element) in array.enumerated() {
                config.webhooks.append(try parseWebhook(element, at: "webhooks[\(index)]", reader: reader))
            }
            let names = config.webhooks.map(\.endpoint.name)
            if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw .invalid("webhooks", "the name \"\(twice)\" is used twice")
            }
        }
        if let value = table["printers"] {
            guard let array = value.array else { throw .wrongType("printers", expected: "array of tables ([[printers]])", got: "\(value.type)") }
            for (index, element) in array.enumerated() {
                config.printers.append(try parsePrinter(element, at: "printers[\(index)]", reader: reader))
            }
            let names = config.printers.map(\.name)
            if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw .invalid("printers", "the name \"\(twice)\" is used twice")
            }
        }
        if let labels = try reader.table(table, "labels", at: "") {
            try reader.allow(labels, keys: ["label_printer", "ticket_printer", "print_ticket_on_check_in", "store_name", "store_phone", "track_url", "font"], at: "labels")
            config.labels.labelPrinter = try reader.string(labels, "label_printer", at: "labels")
            config.labels.ticketPrinter = try reader.string(labels, "ticket_printer", at: "labels")
            config.labels.printTicketOnCheckIn = try reader.bool(labels, "print_ticket_on_check_in", at: "labels") ?? false
            if let name = try reader.string(labels, "store_name", at: "labels") { config.labels.settings.storeName = name }
            if let phone = try reader.string(labels, "store_phone", at: "labels") {
                // ASCII digits only: a full-width ０７５５ (an IME's) would leave the tel: link empty.
                let digits = phone.filter { $0.isASCII && $0.isNumber }.count
                guard (3...20).contains(digits), phone.allSatisfy({ ($0.isASCII && $0.isNumber) || " +-()".contains($0) }) else {
                    throw .invalid("labels.store_phone", "\"\(phone)\" is not a phone number: digits, spaces, + - ( ) only, e.g. \"0755-8888 6666\"")
                }
                config.labels.storePhone = phone
            }
            if let url = try reader.string(labels, "track_url", at: "labels") {
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw .invalid("labels.track_url", "\"\(url)\" must start with http:// or https:// (the customer's phone opens it)")
                }
                config.labels.trackURL = url
            }
            config.labels.settings.font = try reader.string(labels, "font", at: "labels")
            for (key, name) in [("label_printer", config.labels.labelPrinter), ("ticket_printer", config.labels.ticketPrinter)] {
                if let name, !config.printers.contains(where: { $0.name == name }) {
                    throw .invalid("labels.\(key)", "no [[printers]] is named \"\(name)\" (known: \(config.printers.map(\.name).joined(separator: ", ")))")
                }
            }
            if config.labels.printTicketOnCheckIn && config.labels.ticketPrinter == nil {
                throw .missing("labels.ticket_printer", "the printer for job tickets (print_ticket_on_check_in is set)")
            }
        }
        if let value = table["scanners"] {
            guard let array = value.array else { throw .wrongType("scanners", expected: "array of tables ([[scanners]])", got: "\(value.type)") }
            config.scanners = []
            for (index, element) in array.enumerated() {
                let at = "scanners[\(index)]"
                guard let scanner = element.table else { throw .wrongType(at, expected: "table", got: "\(element.type)") }
                try reader.allow(scanner, keys: ["kind", "path", "name", "baud", "inter_key_timeout_ms", "duplicate_window_ms",
                                                 "input", "standard", "width", "height", "symbologies", "frame_budget_ms"], at: at)
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
                s.duplicateWindowMilliseconds = try reader.int(scanner, "duplicate_window_ms", at: at) ?? (kind == .camera ? 2000 : 0)
                if kind == .camera { s.camera = try parseCamera(scanner, path: s.path, reader: reader, at: at) }
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
                if kind == .camera {
                    // A camera judges by its frames when a code has left its view (CodesInView):
                    // the window is its own, and the desk applies none.
                    s.camera?.outOfViewWindow = .milliseconds(s.duplicateWindowMilliseconds)
                    s.duplicateWindowMilliseconds = 0
                }
                config.scanners.append(s)
            }
        }
        return config
    }

    static func parseWebhook(_ element: TOMLValueConvertible, at: String, reader: TOMLReader) throws(ConfigError) -> WebhookConfig {
        guard let hook = element.table else { throw .wrongType(at, expected: "table", got: "\(element.type)") }
        try reader.allow(hook, keys: ["name", "url", "secret_file", "types", "max_attempts", "retry_base_ms", "allow_insecure_url"], at: at)
        guard let name = try reader.string(hook, "name", at: at), !name.isEmpty, name.count <= 64 else {
            throw .missing("\(at).name", "a name for the endpoint (1 to 64 characters), e.g. \"dms\"")
        }
        guard let url = try reader.string(hook, "url", at: at) else { throw .missing("\(at).url", "the endpoint's URL, e.g. \"https://dms.store.local/kioskd/events\"") }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw .invalid("\(at).url", "\"\(url)\" is not an http:// or https:// URL")
        }
        if parsed.scheme == "http", try reader.bool(hook, "allow_insecure_url", at: at) != true {
            throw .invalid("\(at).url", "\"\(url)\" is plain http: anyone on the network can read the store's events (the signature stops changes, not reading). Use https://, or set allow_insecure_url = true if the network is your own")
        }
        guard let secretFile = try reader.string(hook, "secret_file", at: at), !secretFile.isEmpty else {
            throw .missing("\(at).secret_file", "the file with the signing secret (an absolute path, or a name in systemd's credentials: LoadCredential=)")
        }
        var types: [UpstreamEventType] = []
        if let list = hook["types"] {
            guard let array = list.array else { throw .wrongType("\(at).types", expected: "array of strings", got: "\(list.type)") }
            for item in array {
                guard let text = item.string, let type = UpstreamEventType(rawValue: text) else {
                    throw .invalid("\(at).types", "\(item) is not one of \(UpstreamEventType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                types.append(type)
            }
        }
        let attempts = try reader.int(hook, "max_attempts", at: at) ?? 20
        guard (1...100).contains(attempts) else { throw .invalid("\(at).max_attempts", "\(attempts) is outside 1…100") }
        let base = try reader.int(hook, "retry_base_ms", at: at) ?? 2000
        guard (10...600_000).contains(base) else { throw .invalid("\(at).retry_base_ms", "\(base) is outside 10…600000") }
        return WebhookConfig(endpoint: WebhookEndpoint(name: name, url: url, types: types, maxAttempts: attempts, retryBase: .milliseconds(base)),
                             secretFile: secretFile)
    }

    static func parsePrinter(_ element: TOMLValueConvertible, at: String, reader: TOMLReader) throws(ConfigError) -> PrinterConfig {
        guard let printer = element.table else { throw .wrongType(at, expected: "table", got: "\(element.type)") }
        try reader.allow(printer, keys: ["name", "language", "address", "device", "cups_queue", "directory", "dpi"], at: at)
        guard let name = try reader.string(printer, "name", at: at), !name.isEmpty else { throw .missing("\(at).name", "a name for the printer, e.g. \"labels\"") }
        guard let languageText = try reader.string(printer, "language", at: at) else {
            throw .missing("\(at).language", "one of \(PrintFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let format = PrintFormat(rawValue: languageText) else {
            throw .invalid("\(at).language", "\"\(languageText)\" is not one of \(PrintFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let address = try reader.string(printer, "address", at: at), device = try reader.string(printer, "device", at: at)
        let queue = try reader.string(printer, "cups_queue", at: at), directory = try reader.string(printer, "directory", at: at)
        let given = [address, device, queue, directory].compactMap { $0 }
        guard given.count == 1 else {
            throw .invalid(at, "give exactly one of address (host:port), device (/dev/usb/lp0), cups_queue or directory")
        }
        let connection: PrinterConfig.Connection
        if let address {
            let parts = address.split(separator: ":")
            let port = parts.count == 2 ? Int(parts[1]) : 9100
            guard let port, (1...65535).contains(port), !parts[0].isEmpty else { throw .invalid("\(at).address", "\"\(address)\" is not host or host:port") }
            connection = .tcp(host: String(parts[0]), port: port)
        } else if let device {
            connection = .device(device)
        } else if let queue {
            connection = .cups(queue)
        } else {
            connection = .directory(directory!)
        }
        let dpi = try reader.int(printer, "dpi", at: at) ?? (format == .pdf || format == .png ? 300 : 203)
        guard [152, 203, 300, 600].contains(dpi) else { throw .invalid("\(at).dpi", "\(dpi) is not one of 152, 203, 300, 600") }
        return PrinterConfig(name: name, format: format, connection: connection, dpi: dpi)
    }

    static func parseCamera(_ table: TOMLTable, path: String?, reader: TOMLReader, at: String) throws(ConfigError) -> CameraSettings {
        guard let path else { throw .missing("\(at).path", "the video capture device, e.g. /dev/video0 or /dev/v4l/by-id/…") }
        var camera = CameraSettings(device: path)
        camera.input = try reader.int(table, "input", at: at)
        if let standard = try reader.string(table, "standard", at: at) {
            guard let value = VideoStandard(rawValue: standard) else {
                throw .invalid("\(at).standard", "\"\(standard)\" is not one of \(VideoStandard.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            camera.standard = value
        }
        camera.width = try reader.int(table, "width", at: at) ?? 640
        camera.height = try reader.int(table, "height", at: at) ?? 480
        guard (160...4096).contains(camera.width), (120...4096).contains(camera.height) else {
            throw .invalid("\(at).width", "\(camera.width)×\(camera.height) is outside 160×120…4096×4096")
        }
        if let names = try reader.strings(table, "symbologies", at: at) {
            var set: Set<Symbology> = []
            for name in names {
                guard let symbology = Symbology(rawValue: name) else {
                    throw .invalid("\(at).symbologies", "\"\(name)\" is not one of \(Symbology.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                set.insert(symbology)
            }
            camera.symbologies = set
        }
        if let budget = try reader.int(table, "frame_budget_ms", at: at) {
            guard (1...10_000).contains(budget) else {
                throw .invalid("\(at).frame_budget_ms", "\(budget) is outside 1…10000 (milliseconds one frame may be looked at; 30 for 30 frames a second)")
            }
            camera.frameBudget = .milliseconds(budget)
        }
        return camera
    }

    static func parseGPIO(_ gpio: TOMLTable, reader: TOMLReader) throws(ConfigError) -> GPIOConfig {
        try reader.allow(gpio, keys: ["backend", "chip", "consumer", "lamps", "buzzer", "buttons", "active_low_buttons",
                                      "debounce_ms", "long_press_ms", "safe_lamps", "patterns"], at: "gpio")
        let backend = try reader.string(gpio, "backend", at: "gpio") ?? "libgpiod"
        guard ["libgpiod", "simulated"].contains(backend) else { throw .invalid("gpio.backend", "\"\(backend)\" is not libgpiod or simulated") }
        guard let chip = try reader.string(gpio, "chip", at: "gpio") else {
            throw .missing("gpio.chip", "the GPIO chip: a path (/dev/gpiochip0), name (gpiochip0), label or number")
        }
        let consumer = try reader.string(gpio, "consumer", at: "gpio") ?? "kioskd"
        func line(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> LineRef? {
            guard let value = t[key] else { return nil }
            if let n = value.int {
                guard n >= 0 else { throw .invalid("\(path).\(key)", "line offset \(n) must be 0 or more") }
                return .offset(UInt32(n))
            }
            if let name = value.string { return .name(name) }
            throw .wrongType("\(path).\(key)", expected: "line offset (integer) or line name (string)", got: "\(value.type)")
        }
        var lamps: [Lamp: LineRef] = [:]
        if let table = try reader.table(gpio, "lamps", at: "gpio") {
            try reader.allow(table, keys: Lamp.allCases.map(\.rawValue), at: "gpio.lamps")
            for lamp in Lamp.allCases { lamps[lamp] = try line(table, lamp.rawValue, at: "gpio.lamps") }
        }
        guard !lamps.isEmpty else { throw .missing("gpio.lamps", "a table of lamp lines, e.g. red = 0, amber = 1, green = 2") }
        var mapping = LampMapping.standard
        if let patterns = try reader.table(gpio, "patterns", at: "gpio") {
            let states = Dictionary(uniqueKeysWithValues: JobState.allCases.filter(\.isOpen).map { (Self.snake($0.rawValue), $0) })
            try reader.allow(patterns, keys: states.keys.sorted() + ["idle"], at: "gpio.patterns")
            for key in patterns.keys {
                let path = "gpio.patterns.\(key)"
                guard let entry = try reader.table(patterns, key, at: "gpio.patterns") else { continue }
                try reader.allow(entry, keys: Lamp.allCases.map(\.rawValue), at: path)
                var lampPatterns: [Lamp: LampPattern] = [:]
                for lamp in Lamp.allCases {
                    guard let text = try reader.string(entry, lamp.rawValue, at: path) else { continue }
                    guard let pattern = LampPattern(rawValue: text) else {
                        throw .invalid("\(path).\(lamp.rawValue)", "\"\(text)\" is not one of \(LampPattern.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    lampPatterns[lamp] = pattern
                }
                if key == "idle" { mapping.idle = lampPatterns } else { mapping.byState[states[key]!] = lampPatterns }
            }
        }
        var safe: Set<Lamp> = []
        if let names = try reader.strings(gpio, "safe_lamps", at: "gpio") {
            for name in names {
                guard let lamp = Lamp(rawValue: name) else {
                    throw .invalid("gpio.safe_lamps", "\"\(name)\" is not one of \(Lamp.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                safe.insert(lamp)
            }
        }
        let stackLight = StackLightConfig(chip: chip, lamps: lamps, buzzer: try line(gpio, "buzzer", at: "gpio"), mapping: mapping,
                                          safeLamps: safe, consumer: consumer)
        var buttons: ButtonConfig?
        if let table = try reader.table(gpio, "buttons", at: "gpio") {
            let names = ["advance", "parts", "help", "acknowledge"]
            try reader.allow(table, keys: names, at: "gpio.buttons")
            var refs: [String: LineRef] = [:]
            for name in names { refs[name] = try line(table, name, at: "gpio.buttons") }
            let debounce = try reader.int(gpio, "debounce_ms", at: "gpio") ?? 30
            let long = try reader.int(gpio, "long_press_ms", at: "gpio") ?? 1500
            guard (1...500).contains(debounce) else { throw .invalid("gpio.debounce_ms", "\(debounce) is outside 1…500") }
            guard (200...10000).contains(long) else { throw .invalid("gpio.long_press_ms", "\(long) is outside 200…10000") }
            buttons = ButtonConfig(chip: chip, buttons: refs, activeLow: try reader.bool(gpio, "active_low_buttons", at: "gpio") ?? false,
                                   debounce: .milliseconds(debounce), longPress: .milliseconds(long), consumer: consumer)
        }
        return GPIOConfig(backend: backend, stackLight: stackLight, buttons: buttons)
    }

    /// `"0.0.0.0:8080"` → `("0.0.0.0", 8080)`.
    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    /// `waitingParts` → `waiting_parts`.
    static func snake(_ camel: String) -> String {
        camel.reduce(into: "") { out, ch in
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
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
            case .camera:
                if let path = s.path, !FileManager.default.fileExists(atPath: path) {
                    return "\(s.keyPath).path: \(path) 不存在 does not exist: plug the camera in, or use a path from /dev/v4l/by-id/"
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

    func strings(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> [String]? {
        guard let value = t[key] else { return nil }
        guard let array = value.array else { throw .wrongType(full(key, path), expected: "array of strings", got: "\(value.type)") }
        var strings: [String] = []
        for element in array {
            guard let s = element.string else { throw .wrongType(full(key, path), expected: "array of strings", got: "\(element.type) in it") }
            strings.append(s)
        }
        return strings
    }

    func bool(_ t: TOMLTable, _ key: String, at path: String) throws(ConfigError) -> Bool? {
        guard let value = t[key] else { return nil }
        guard let b = value.bool else { throw .wrongType(full(key, path), expected: "boolean (true/false)", got: "\(value.type)") }
        return b
    }
}
