import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import PostgresHub
import Indicators
import KioskCore
import Labels
import Sync
import KioskWeb
import Logging
import Metrics
import Prometheus
import Scanner
import ServiceLifecycle

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: scanner sources feed the parts counter until SIGTERM or SIGINT.")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Overrides [web] listen: the web server's HOST:PORT (port 0: any free port, named in the log).")
    var listen: String?

    @Flag(name: .long, help: "Run on the demo store instead (the same as `kioskd demo`): a small 4S store in its own folder.")
    var demo = false

    /// Set by `kioskd demo` only: without it, a store marked as the demo store is refused, so
    /// that fake stock and staff never run as a real store.
    @Flag(name: .long, help: .hidden)
    var demoStore = false

    func validate() throws {
        if let listen, KioskConfig.hostAndPort(listen) == nil {
            throw ValidationError("--listen \(listen): give HOST:PORT, such as 127.0.0.1:8080 or 0.0.0.0:8080")
        }
    }

    func run() async throws {
        if demo {
            guard store.config == nil else { throw ValidationError("--demo uses the demo store's own config: leave out --config") }
            let demoCommand = try Demo.parse((listen.map { ["--listen", $0] } ?? []) + (store.dataDir.map { ["--data-dir", $0] } ?? []))
            try await demoCommand.run()
            return
        }
        var config = try store.loadConfig()
        if let listen { config.webListen = listen }
        let logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            // One line per entry, whatever a client sent (no forged lines: OneLineLogHandler).
            var handler = OneLineLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "kioskd")
        let files = OpenFileLimit.raiseToHard()
        logger.debug("open files: \(files)")
        // Only the power-cut rig sets this, to show what synchronous = NORMAL loses.
        let unsafe = ProcessInfo.processInfo.environment["KIOSKD_UNSAFE_SYNCHRONOUS_NORMAL"] == "1"
        let database: KioskDatabase
        do {
            database = try KioskDatabase.open(at: config.databasePath, durability: unsafe ? .unsafeNormal : .powerSafe,
                                              key: config.personalDataKey())
        } catch let error as PersonalDataError {
            throw Refused(error.description)
        } catch {
            throw Refused("无法打开数据库 cannot open the store \(config.databasePath): \(error). If the file is damaged, "
                          + "restore it: `kioskd backup restore NEW.sqlite`, then move NEW.sqlite to \(config.databasePath)")
        }
        if try isDemoStore(database), !demoStore {
            throw Refused("\(config.databasePath) 是演示门店 is the demo store made by `kioskd demo` (fake stock, staff and PINs): run `kioskd demo --data-dir \(config.dataDirectory)` to look at it, or point [device] data_dir at the real store")
        }
        if unsafe { logger.critical("KIOSKD_UNSAFE_SYNCHRONOUS_NORMAL=1: commits are not power-safe; acknowledged scans can be lost (test rig only)") }
        logger.info("store open", metadata: ["path": "\(config.databasePath)", "config": "\(config.origin)", "device": "\(config.deviceID)"])
        for problem in config.deviceProblems() { logger.warning("\(problem)") }
        for warning in config.warnings() { logger.warning("\(warning)") }
        let labelSettings = config.labelSettings()
        logger.info("job tickets' QR codes open \(labelSettings.trackURL)\(config.labels.trackURL == nil ? " (derived: set [labels] track_url to fix it)" : "")")

        let scans = ScanQueue()
        var windows: [String: Duration] = [:]
        var sources: [any ScanSource] = []
        for s in config.scanners {
            let sourceLogger = Logger(label: "kioskd.scanner")
            let source: any ScanSource = switch s.kind {
            case .hid:
                EvdevScanner(device: s.path.map { .path($0) } ?? .name(s.deviceName!),
                             interKeyTimeout: .milliseconds(s.interKeyTimeoutMilliseconds), sink: scans.enqueue, logger: sourceLogger)
            case .serial:
                SerialScanner(path: s.path!, baud: s.baud, sink: scans.enqueue, logger: sourceLogger)
            case .camera:
                CameraScanner(settings: s.camera!, sink: scans.enqueue, logger: sourceLogger)
            case .fifo:
                LineScanner(input: .fifo(path: config.fifoPath(of: s)), sink: scans.enqueue, logger: sourceLogger)
            case .stdin:
                LineScanner(input: .standardInput, sink: scans.enqueue, logger: sourceLogger)
            }
            windows[source.name] = .milliseconds(s.duplicateWindowMilliseconds)
            sources.append(source)
            logger.info("scanner source", metadata: ["name": "\(source.name)"])
        }
        // A damaged file is not written to: scans are refused, saying what to do.
        var refuseWrites: String?
        if let problem = database.quickCheckProblem() {
            refuseWrites = "数据库已损坏，扫描未保存：请停止 kioskd，运行 `kioskd backup restore` 恢复 / the store is damaged, scan NOT saved: "
                + "stop kioskd and restore it with `kioskd backup restore NEW.sqlite` (\(problem))"
            logger.critical("\(refuseWrites!)")
        }
        if refuseWrites == nil, let contents = FileManager.default.contents(atPath: config.origin),
           try database.audit.recordConfigIfChanged(path: config.origin, contents: contents) {
            logger.notice("config recorded in the audit log", metadata: ["path": "\(config.origin)"])
        }
        let counter = Counter(database: database, deviceID: config.deviceID,
                              options: .init(allowNegativeStock: config.allowNegativeStock, defaultActor: config.defaultActor, bay: config.bay,
                                             refuseWrites: refuseWrites, expiredAtReceipt: config.expiredAtReceipt,
                                             maximumQuantityPerScan: config.maximumQuantityPerScan))
        let health = HealthBoard()
        if let refuseWrites { health.set("store", .degraded(refuseWrites)) } else { health.set("store", .ok("quick_check ok")) }
        // One Prometheus registry for kioskd's own metrics and whatever libraries report
        // through swift-metrics (Hummingbird's request metrics).
        let metrics = KioskMetrics(storeDirectory: config.dataDirectory)
        MetricsSystem.bootstrap(DescribedMetricsFactory(registry: metrics.registry))
        var indicators: [any ScanIndicator] = [LogIndicator(logger: logger), metrics]
        var hardware: [any Service] = []
        if let gpio = config.gpio {
            let signals = IndicatorSignals()
            // The lamp and buzzer first: the clerk sees and hears the scan before it is logged.
            indicators.insert(signals, at: 0)
            hardware = BayHardware.services(gpio: gpio, bay: config.bay, database: database, signals: signals, health: health,
                                            logger: Logger(label: "kioskd.gpio"))
        }
        // GS1's dictionary is read once, now, and the scan path taken once (rolled back),
        // rather than by the clerk's first scan.
        _ = GS1SyntaxDictionary.standard
        do {
            if try counter.rehearse() { logger.debug("scan path rehearsed (a receipt, rolled back)") }
        } catch {
            logger.warning("扫描预演失败 the scan path's rehearsal at start-up failed; the first scan may fail too: \(error)")
        }
        let desk = ScanDesk(counter: counter, queue: scans, duplicates: DuplicateFilter(windows: windows), indicators: indicators, logger: logger)
        var ledger: (any HubLedger)?
        if let hub = config.hub, refuseWrites == nil {
            let location: LedgerLocation
            do { location = try LedgerLocation(url: hub.ledger) } catch { throw Refused("\(error)") }
            let service = try PostgresLedgerService(location: location, store: database, storeID: hub.storeID, hubID: config.deviceID,
                                                    companyPrefix: hub.companyPrefix, health: health,
                                                    logger: Logger(label: "kioskd.ledger"))
            ledger = service.hubLedger
            hardware.append(service)
        }
        // "kioskd ready" (and systemd's READY=1) wait for the web server to listen.
        let ready = StartupGate()
        let syncClient = try config.sync.flatMap { sync -> SyncClient? in
            guard refuseWrites == nil else { return nil }
            return try SyncClient(settings: SyncSettings(upstream: sync.upstream, deviceID: config.deviceID, tokenFile: config.syncTokenFile,
                                                         batchSize: sync.batchSize, caFile: sync.caFile, compress: sync.compress))
        }
        var essential: [any Service] = []
        if let listen = config.webListen, let (host, port) = KioskConfig.hostAndPort(listen) {
            var env = WebEnvironment(database: database, counter: counter, health: health, bay: config.bay, metrics: metrics,
                                     secureCookies: config.secureCookies || config.webTLS != nil,
                                     printing: config.printers.isEmpty ? nil : PrintingSetup(
                                        printers: config.printers.map(\.name),
                                        labelPrinter: config.labels.labelPrinter ?? config.printers[0].name,
                                        ticketPrinter: config.receiptPrinter ?? config.printers[0].name),
                                     isHub: config.role == .hub, ledger: ledger, desk: desk)
            env.store = StoreContact(name: config.labels.settings.storeName, phone: config.labels.storePhone)
            if let client = syncClient {
                // The counter page's sister stores come from the hub's chain ledger.
                env.askHub = { try await client.chainStock(of: $0) }
            }
            let webLogger = Logger(label: "kioskd.web")
            essential.append(WebServer(application: WebApplication(
                responder: makeRouter(env).buildResponder(),
                server: try config.webTLS.map {
                    do { return try HTTPSServer.builder(certificateChain: $0.certificate, privateKey: $0.key, limits: config.connectionLimits) } catch { throw Refused("\(error)") }
                } ?? .http1(configuration: config.connectionLimits.http1Configuration()),
                configuration: .init(address: .hostname(host, port: port), serverName: "kioskd"),
                onServerRunning: { channel in
                    webLogger.info("web listening on \(channel.localAddress?.description ?? listen)",
                                   metadata: ["port": "\(channel.localAddress?.port ?? port)"])
                    health.set("web", .ok("listening on \(channel.localAddress?.description ?? listen)"))
                    ready.open()
                },
                logger: webLogger), listen: listen))
        } else {
            ready.open()
        }
        hardware.append(StoreChangeService(database: database))
        hardware.append(ScannerHealth(sources: sources, health: health))
        if let backup = config.backup, refuseWrites == nil {
            hardware.append(BackupService(backups: Backups(database: database, directory: URL(fileURLWithPath: config.backupDirectory)),
                                          schedule: backup.schedule, health: health, logger: Logger(label: "kioskd.backup")))
        }
        if !config.printers.isEmpty, refuseWrites == nil {
            try database.printQueue.setTicketOnCheckIn(printer: config.labels.printTicketOnCheckIn ? config.labels.ticketPrinter : nil)
            try database.printQueue.setArrivalSlips(printer: config.receiptPrinter)
            hardware.append(PrintService(spooler: PrintSpooler(database: database, printers: config.printers, settings: labelSettings),
                                         health: health, logger: Logger(label: "kioskd.print")))
        }
        if let syncClient {
            try database.outbox.enable()
            hardware.append(SyncService(client: syncClient, database: database, health: health, logger: Logger(label: "kioskd.sync")))
        }
        if refuseWrites == nil {
            // Endpoints go and come with the config: none configured, none kept (and no events recorded).
            let targets = try config.webhookTargets()
            try database.webhooks.configure(targets.map(\.endpoint))
            if !targets.isEmpty {
                hardware.append(WebhookService(targets: targets, source: "/kioskd/\(config.deviceID)", database: database, health: health,
                                               logger: Logger(label: "kioskd.webhooks")))
            }
        }
        if let notifier = SystemdNotifier() {
            hardware.append(SystemdService(notifier: notifier, ready: ready, watchdogInterval: SystemdNotifier.watchdogInterval(),
                                           database: database, logger: Logger(label: "kioskd.systemd")))
        }
        hardware.append(ReadyAnnouncement(gate: ready, deviceID: config.deviceID, logger: logger))
        let counterService = CounterService(desk: desk)
        // A scanner source or GPIO service that ends must not stop the daemon (each reports in
        // /healthz); the web server failing does (it is how the store sees and runs the board).
        // The group stops its services in reverse order, each after the one before has ended:
        // the scanner sources first, so that nothing more is queued; then the counter, which
        // commits and shows what is queued; then the stack light (to its safe state) and the
        // rest; the web server last, after the change watcher, whose end closes the pages'
        // event streams (open ones would hold the server).
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            essential.map { .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup) }
            + hardware.map { .init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore) }
            + [.init(service: counterService)]
            + sources.map { .init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore) }
        var groupConfig = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfig.gracefulShutdownSignals = [.sigterm, .sigint]
        // What has not ended 8 s after the signal (a client still sending a request, a page
        // that does not let go) is cancelled: the web server then closes its connections, well
        // inside the unit's TimeoutStopSec (15 s). What cannot be cancelled (the counter
        // committing scans already queued, a backup's copy) still ends on its own; no
        // cancellation deadline is set, because swift-service-lifecycle ends the process with
        // fatalError when one runs out.
        groupConfig.maximumGracefulShutdownDuration = .seconds(8)
        let group = ServiceGroup(configuration: groupConfig)
        do {
            try await group.run()
        } catch let failure as StartupFailure {
            logger.critical("\(failure.description)")
            logger.info("kioskd stopped")
            throw Refused(failure.description)
        }
        logger.info("kioskd stopped")
    }
}
