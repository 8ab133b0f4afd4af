import Foundation
import KioskCore
import Logging
import PostgresHub

/// Runs `body` with the chain's ledger of this hub ([hub] ledger), for a command: within the
/// ledger's deadline, refused with the reason when there is no chain or PostgreSQL does not answer.
func withChainLedger<T: Sendable>(_ config: KioskConfig, _ database: KioskDatabase, command: String,
                                  _ body: @Sendable @escaping (PostgresLedger) async throws -> T) async throws -> T {
    guard let hub = config.hub else {
        throw Refused("没有连锁账本 / no chain ledger here: `\(command)` runs on a hub with [hub] ledger = \"postgres://…\" (the stores' shared PostgreSQL)")
    }
    let location = try LedgerLocation(url: hub.ledger)
    var logger = Logger(label: "kioskd.ledger")
    logger.logLevel = .error   // a command's connection retries are not the clerk's business
    do {
        return try await PostgresLedger.with(location: location, store: database, storeID: hub.storeID, hubID: config.deviceID,
                                             companyPrefix: hub.companyPrefix, logger: logger, body)
    } catch {
        throw Refused("\(error)")
    }
}
