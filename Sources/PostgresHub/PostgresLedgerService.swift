import KioskCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs the ledger's PostgreSQL client for the daemon: connects, creates the ledger's tables,
/// brings the hub's store up to the ledger, and reports `ledger` in health. While PostgreSQL is
/// unreachable pushes are refused (503) and devices keep their events and send them again.
/// The hub's own changes wait in its outbox and go to the ledger as the device `hubID`.
public struct PostgresLedgerService: Service {
    let client: PostgresClient
    let ledger: PostgresLedger
    let store: KioskDatabase
    let hubID: String
    let health: HealthBoard
    let logger: Logger

    /// A ledger for `store` (named `storeID` in the shared database) at `location`; the hub's
    /// own changes are sent as `hubID`.
    /// `companyPrefix`: the store's GS1 company prefix, for the SSCCs of the cartons it ships to sister stores.
    public init(location: LedgerLocation, store: KioskDatabase, storeID: String, hubID: String, companyPrefix: String? = nil,
                health: HealthBoard, logger: Logger) throws {
        client = PostgresClient(configuration: try location.configuration(), backgroundLogger: logger)
        ledger = PostgresLedger(client: client, store: store, storeID: storeID, hubID: hubID, companyPrefix: companyPrefix, logger: logger)
        self.store = store
        self.hubID = hubID
        self.health = health
        self.logger = logger
        health.set("ledger", .degraded("connecting to PostgreSQL at \(location.host):\(location.port)"))
    }

    /// What the hub's store holds that goes to the ledger: its outbox, its standing alerts, its
    /// parts' unit costs.
    static let watchedAreas: Set<StoreArea> = [.sync, .alerts, .stock]

    /// The ledger the hub's push route hands batches to.
    public var hubLedger: PostgresLedger { ledger }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            // Changes made on the hub itself wait in its outbox (history included) until the ledger takes them.
            let outbox = store.outbox
            try await store.perform(.write) { try outbox.enable() }
            var failures = 0
            var ready = false
            var publishedAlerts: [StockAlert]?
            var publishedCosts: [String: Int] = [:]
            var costsCheckedAt: ContinuousClock.Instant?
            let stock = store.stock, catalog = store.catalog
            let changes = store.changes
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                // Read before the store is: a commit made while this round works wakes the wait.
                let seen = changes.version(of: Self.watchedAreas)
                do {
                    if !ready {
                        try await ledger.migrate()
                        let applied = try await ledger.catchUp()
                        logger.info("ledger ready", metadata: ["store": "\(ledger.storeID)", "caughtUp": "\(applied)"])
                        ready = true
                    }
                    let sent = try await ledger.takeOwnChanges(deviceID: hubID)
                    // Cartons on their way here, and what became of the ones in transit.
                    try await ledger.learnTransfers()
                    // The standing alerts, for the chain's report, when they changed.
                    let alerts = try await store.perform(.read) { try stock.standingAlerts() }
                    if alerts != publishedAlerts {
                        try await ledger.publishAlerts(alerts)
                        publishedAlerts = alerts
                    }
                    // The unit costs, for the value of the store's stock: read every 10 s, sent when changed.
                    if costsCheckedAt.map({ ContinuousClock.now - $0 > .seconds(10) }) ?? true {
                        let costs = try await store.perform(.read) { try catalog.unitCosts() }
                        let changed = costs.filter { publishedCosts[$0.key] != $0.value }
                        let removed = publishedCosts.keys.filter { costs[$0] == nil }
                        if !changed.isEmpty || !removed.isEmpty || costsCheckedAt == nil {
                            try await ledger.publishCosts(changed: changed, removed: Array(removed), replacingAll: costsCheckedAt == nil)
                        }
                        (publishedCosts, costsCheckedAt) = (costs, .now)
                    }
                    if failures > 0 || sent > 0 { logger.debug("hub changes in the ledger", metadata: ["sent": "\(sent)"]) }
                    failures = 0
                    health.set("ledger", .ok("PostgreSQL, store \(ledger.storeID), hub queue \(try await store.perform(.read) { try outbox.status().queueDepth })"))
                    // Until the hub's store changes what goes to the ledger (its outbox, alerts,
                    // costs), or it is time to look for cartons shipped here (the ledger's side).
                    _ = await cancelWhenGracefulShutdown { await changes.waitForChange(of: Self.watchedAreas, after: seen, timeout: .seconds(1)) }
                } catch {
                    failures += 1
                    health.set("ledger", .degraded("PostgreSQL: \(String(reflecting: error))"))
                    if failures == 1 || failures % 10 == 0 { logger.warning("ledger: \(String(reflecting: error))") }
                    let pause = Duration.seconds(min(30, failures))
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}

extension PostgresLedger {
    /// Runs `body` with a ledger on a client of its own (for a command, not the daemon), within
    /// `deadline`, and stops the client afterwards. The ledger is checked, not migrated: the
    /// hub's daemon migrates it (a look-up takes no lock and changes no schema).
    public static func with<T: Sendable>(location: LedgerLocation, store: KioskDatabase, storeID: String, hubID: String? = nil, companyPrefix: String? = nil,
                                         logger: Logger, deadline: Duration = .seconds(8),
                                         _ body: @Sendable @escaping (PostgresLedger) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try location.configuration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            group.addTask {
                let ledger = PostgresLedger(client: client, store: store, storeID: storeID, hubID: hubID, companyPrefix: companyPrefix,
                                            logger: logger, deadline: deadline)
                try await ledger.checkSchema()
                return try await body(ledger)
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw LedgerError.unavailable(after: deadline)
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw LedgerError.unavailable(after: deadline)
        }
    }
}
