import KioskCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs the ledger's PostgreSQL client for the daemon: connects, creates the ledger's tables,
/// brings the hub's store up to the ledger, and reports `ledger` in health. While PostgreSQL is
/// unreachable pushes are refused (503) and devices keep their events and send them again.
public struct PostgresLedgerService: Service {
    let client: PostgresClient
    let ledger: PostgresLedger
    let health: HealthBoard
    let logger: Logger

    /// A ledger for `store` (named `storeID` in the shared database) at `location`.
    public init(location: LedgerLocation, store: KioskDatabase, storeID: String, health: HealthBoard, logger: Logger) throws {
        client = PostgresClient(configuration: try location.configuration(), backgroundLogger: logger)
        ledger = PostgresLedger(client: client, store: store, storeID: storeID, logger: logger)
        self.health = health
        self.logger = logger
        health.set("ledger", .degraded("connecting to PostgreSQL at \(location.host):\(location.port)"))
    }

    /// The ledger the hub's push route hands batches to.
    public var hubLedger: PostgresLedger { ledger }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            var failures = 0
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await ledger.migrate()
                    let applied = try await ledger.catchUp()
                    logger.info("ledger ready", metadata: ["store": "\(ledger.storeID)", "caughtUp": "\(applied)"])
                    health.set("ledger", .ok("PostgreSQL, store \(ledger.storeID)"))
                    break
                } catch {
                    failures += 1
                    health.set("ledger", .degraded("PostgreSQL: \(String(reflecting: error))"))
                    if failures == 1 || failures % 10 == 0 { logger.warning("ledger not ready: \(String(reflecting: error))") }
                    try? await Task.sleep(for: .seconds(min(30, failures)))
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
