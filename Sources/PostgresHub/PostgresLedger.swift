import Foundation
import KioskCore
import Logging
import PostgresNIO

/// Why the PostgreSQL ledger cannot be used.
public enum LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    case badURL(String)
    case newerSchema(found: Int, known: Int)
    case unavailable(after: Duration)
    case notMigrated(missing: [String])

    public var description: String {
        switch self {
        case .badURL(let url):
            "账本地址无效 / \"\(url)\" is not a PostgreSQL URL: write postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]"
        case .unavailable(let deadline):
            "门店账本 (PostgreSQL) 无应答 / the ledger (PostgreSQL) did not answer within \(deadline): nothing was kept, the device sends again"
        case .notMigrated(let missing):
            "账本尚未升级 / the ledger lacks migrations \(missing.joined(separator: ", ")): start the hub's daemon of this version once (it migrates the ledger), then try again"
        case let .newerSchema(found, known):
            "账本版本 \(found) 新于本程序 (\(known)) / the ledger's schema is version \(found), newer than this kioskd knows (\(known)): upgrade kioskd"
        }
    }
}

/// Where the ledger's database is: parsed from a `postgres://` URL.
public struct LedgerLocation: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `sslmode=require`: TLS to the server, its certificate checked against the system's roots.
    public var requireTLS: Bool

    /// Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require|disable]`.
    public init(url text: String) throws(LedgerError) {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty else { throw .badURL(text) }
        let name = String(url.path.drop(while: { $0 == "/" }))
        guard !name.isEmpty, !name.contains("/") else { throw .badURL(text) }
        let sslmode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard ["disable", "require"].contains(sslmode) else { throw .badURL(text) }
        self.host = host
        self.port = url.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = url.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = name
        self.requireTLS = sslmode == "require"
    }

    /// The postgres-nio client configuration.
    public func configuration() throws -> PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database,
                                     tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
    }
}

/// The hub's ledger in PostgreSQL, for a chain of stores sharing one database.
///
/// Every event a device pushes is kept once, by its id, with the hub's decision and the
/// event itself (sealed with the store's personal-data key, as it carries the customer's
/// phone and VIN when a job opens). Stock balances, movements, job states and transitions are
/// kept beside it per store, for head office to read. Each store has its own order of events
/// (`sequence`), taken under a per-store advisory lock so that it is also the commit order.
///
/// The hub's own SQLite store stays its working copy (the pages, the catalog, what devices
/// pull): the ledger decides each batch with the store's own rules (``Hub/trial(_:from:skipping:)``),
/// commits, and then the store applies the ledger's events after its cursor
/// (``Hub/project(_:)``), in the ledger's order. A hub killed between the two catches up when
/// it next takes a push or starts; a new hub store is rebuilt from the ledger the same way.
/// Changes made on the hub itself reach the ledger from the hub's outbox (``takeOwnChanges(deviceID:batchSize:)``).
public actor PostgresLedger: HubLedger {
    let client: PostgresClient
    let store: KioskDatabase
    /// This store's name in the shared database.
    public let storeID: String
    /// The hub's own device id: the cartons it ships are its movements.
    let hubID: String
    /// The store's GS1 company prefix, for the SSCCs of the cartons it ships (nil: it ships none).
    let companyPrefix: String?
    let logger: Logger
    /// How long a push may wait for PostgreSQL before the hub refuses it (the device sends again).
    let deadline: Duration
    /// Pushes in order of arrival, one at a time: each is a job on this stream, run by one
    /// consumer task (started with the first push) that ends with the ledger.
    private let pushes: AsyncStream<@Sendable () async -> Void>.Continuation
    private let pushQueue: AsyncStream<@Sendable () async -> Void>
    private var consumer: Task<Void, Never>?

    /// The ledger schema this kioskd writes: the number of its migrations.
    public static var schemaVersion: Int { migrations.count }

    /// What `ledger_schema` says: the oldest kioskd that can still write this ledger (from
    /// before named migrations, it refuses a higher number). Migrations that only add (v2: a
    /// table and an index older code never reads) leave it; one that older code would write
    /// wrongly raises it, so that an older hub in the chain stops instead of doing harm.
    public static let compatibleSchemaVersion = 1

    /// The ledger's migrations, in order, by name: each runs once in the chain's database, in
    /// one transaction with its record in `ledger_migration`. Shipped ones are never edited.
    static let migrations: [(name: String, statements: [String])] = [
        // The tables of the first ledger (before named migrations: their CREATE IF NOT EXISTS
        // finds them there).
        ("v1-initial", schema),
        // Each store's last push, for the chain's view of who holds a part (and how fresh it is).
        ("v2-store-last-push", ["""
            CREATE TABLE ledger_store (
              store_id TEXT PRIMARY KEY,
              last_device TEXT NOT NULL,
              last_push_at TIMESTAMPTZ NOT NULL)
            """,
            "CREATE INDEX ledger_balance_part ON ledger_balance (part_number) WHERE quantity <> 0"]),
        // Cartons shipped between the stores (调拨), each once by its SSCC, with the serials the
        // chain hands out for them; and each store's standing stock alerts, as its hub publishes them.
        ("v3-transfers", [
            "CREATE SEQUENCE ledger_sscc_serial START 1",
            """
            CREATE TABLE ledger_transfer (
              sscc TEXT PRIMARY KEY,
              from_store TEXT NOT NULL,
              to_store TEXT NOT NULL,
              part_number TEXT NOT NULL,
              quantity BIGINT NOT NULL,
              from_bin TEXT NOT NULL,
              shipped_at TIMESTAMPTZ NOT NULL,
              shipped_by TEXT NOT NULL,
              ship_key UUID NOT NULL UNIQUE,
              received_at TIMESTAMPTZ,
              received_by TEXT,
              to_bin TEXT,
              receive_key UUID UNIQUE,
              unit_cost BIGINT)
            """,
            // Each SSCC as the chain handed it to a store's hub for one shipment: a carton is
            // kept only as its hub reserved it (part, quantity, destination, cost when shipped).
            """
            CREATE TABLE ledger_sscc (
              sscc TEXT PRIMARY KEY,
              store_id TEXT NOT NULL,
              ship_key UUID NOT NULL UNIQUE,
              part_number TEXT NOT NULL,
              quantity BIGINT NOT NULL,
              to_store TEXT NOT NULL,
              unit_cost BIGINT,
              reserved_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """,
            "CREATE INDEX ledger_transfer_to_in_transit ON ledger_transfer (to_store) WHERE receive_key IS NULL",
            "CREATE INDEX ledger_transfer_from_in_transit ON ledger_transfer (from_store) WHERE receive_key IS NULL",
            """
            CREATE TABLE ledger_store_alert (
              store_id TEXT NOT NULL,
              part_number TEXT NOT NULL,
              level TEXT NOT NULL,
              on_hand BIGINT NOT NULL,
              threshold BIGINT NOT NULL,
              raised_at TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (store_id, part_number, level))
            """,
            // Each store's unit costs (fen), as its hub publishes them: the value of its stock.
            "CREATE TABLE ledger_part_cost (store_id TEXT NOT NULL, part_number TEXT NOT NULL, unit_cost BIGINT NOT NULL, PRIMARY KEY (store_id, part_number))",
        ]),
    ]

    /// A ledger on `client` (which must be running: see ``PostgresLedgerService``) for the store
    /// `storeID`, whose working copy is `store`.
    public init(client: PostgresClient, store: KioskDatabase, storeID: String, hubID: String? = nil, companyPrefix: String? = nil,
                logger: Logger, deadline: Duration = .seconds(8)) {
        self.deadline = deadline
        self.hubID = hubID ?? storeID
        self.companyPrefix = companyPrefix
        (pushQueue, pushes) = AsyncStream.makeStream()
        self.client = client
        self.store = store
        self.storeID = storeID
        self.logger = logger
    }

    /// Runs the migrations the ledger has not had, in order; refuses a ledger that a newer
    /// kioskd migrated further (a migration this one does not know). Returns the names applied.
    @discardableResult
    public func migrate() async throws -> [String] {
        do {
            return try await runMigrations()
        } catch let error as PostgresTransactionError {
            // The ledger's own refusal (a newer schema) as it is, not wrapped in the transaction's.
            if let refusal = error.closureError as? LedgerError { throw refusal }
            throw error
        }
    }

    private func runMigrations() async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection in
            // One migrating kioskd at a time across the chain.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS ledger_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var version: Int?
            for try await v in try await connection.query("SELECT version FROM ledger_schema", logger: logger).decode(Int.self) { version = v }
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM ledger_migration", logger: logger).decode(String.self) { applied.insert(name) }
            let known = Set(Self.migrations.map(\.name))
            if !applied.isSubset(of: known) || (version ?? 0) > Self.compatibleSchemaVersion {
                throw LedgerError.newerSchema(found: max(version ?? 0, applied.count), known: Self.schemaVersion)
            }
            var ran: [String] = []
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO ledger_migration (name) VALUES (\(migration.name))", logger: logger)
                ran.append(migration.name)
            }
            if version == nil {
                try await connection.query("INSERT INTO ledger_schema (version) VALUES (\(Self.compatibleSchemaVersion))", logger: logger)
            }
            if !ran.isEmpty { logger.info("ledger migrated", metadata: ["migrations": "\(ran.joined(separator: ", "))"]) }
            return ran
        }
    }

    /// Refuses a ledger this kioskd cannot read as it is: not yet migrated by a hub of this
    /// version, or migrated further by a newer one.
    public func checkSchema() async throws {
        var applied: Set<String> = []
        do {
            for try await name in try await client.query("SELECT name FROM ledger_migration", logger: logger).decode(String.self) { applied.insert(name) }
        } catch {
            throw LedgerError.notMigrated(missing: Self.migrations.map(\.name))
        }
        let known = Self.migrations.map(\.name)
        if !applied.isSubset(of: Set(known)) { throw LedgerError.newerSchema(found: applied.count, known: known.count) }
        let missing = known.filter { !applied.contains($0) }
        if !missing.isEmpty { throw LedgerError.notMigrated(missing: missing) }
    }

    /// Who in the chain holds `part`: every store's stock of it by bin (this store's too), with
    /// the time of the store's last push to the ledger (how fresh its figures are). Within the
    /// ledger's deadline: an unreachable server is an error, not a wait.
    public func chainStock(of part: String) async throws -> [ChainStock]? {
        try await within { try await self.queryChainStock(of: part) }
    }

    private func queryChainStock(of part: String) async throws -> [ChainStock] {
        let rows = try await client.query("""
            SELECT b.store_id, b.bin, b.quantity, s.last_push_at FROM ledger_balance b LEFT JOIN ledger_store s ON s.store_id = b.store_id
            WHERE b.part_number = \(part) AND b.quantity <> 0 ORDER BY b.store_id = \(storeID) DESC, b.store_id, b.bin
            """, logger: logger)
        var result: [ChainStock] = []
        for try await (store, bin, quantity, at) in rows.decode((String, String, Int64, Date?).self) {
            result.append(ChainStock(store: store, bin: bin, quantity: Int(quantity), lastPushAt: at, isThisStore: store == storeID))
        }
        return result
    }

    /// The migrations the ledger has had, in the order they ran.
    public func appliedMigrations() async throws -> [String] {
        var names: [String] = []
        for try await name in try await client.query("SELECT name FROM ledger_migration ORDER BY applied_at, name", logger: logger).decode(String.self) {
            names.append(name)
        }
        return names
    }

    /// Stores, decides and applies a batch: when this returns, the ledger holds every event of
    /// it once, and the hub's store has applied them.
    public func accept(_ push: PushRequest, from deviceID: String, at time: Date) async throws -> PushResponse {
        try await accept(push, from: deviceID, at: time, own: false)
    }

    /// `own`: the hub's own changes (``takeOwnChanges(deviceID:batchSize:)``), which no device role limits.
    func accept(_ push: PushRequest, from deviceID: String, at time: Date, own: Bool) async throws -> PushResponse {
        guard push.deviceID == deviceID else { throw HubError.wrongDevice(token: deviceID, claimed: push.deviceID) }
        if consumer == nil {
            let queue = pushQueue
            consumer = Task { for await push in queue { await push() } }
        }
        // An unreachable server must not hold the device's request until its own timeout.
        let deadline = self.deadline
        return try await withCheckedThrowingContinuation { (answer: CheckedContinuation<PushResponse, Error>) in
            pushes.yield {
                do {
                    answer.resume(returning: try await withThrowingTaskGroup(of: PushResponse.self) { group in
                        group.addTask { try await self.acceptInOrder(push, from: deviceID, at: time, own: own) }
                        group.addTask {
                            try await Task.sleep(for: deadline)
                            throw LedgerError.unavailable(after: deadline)
                        }
                        defer { group.cancelAll() }
                        return try await group.next()!
                    })
                } catch {
                    answer.resume(throwing: error)
                }
            }
        }
    }

    deinit {
        pushes.finish()
    }

    /// ``accept(_:from:at:)`` once the push's turn has come.
    private func acceptInOrder(_ push: PushRequest, from deviceID: String, at time: Date, own: Bool) async throws -> PushResponse {
        // The store first takes what the ledger holds already (a crash after a commit).
        try await catchUp()
        let hub = store.hub
        if let head = push.auditHead, !own { try await store.perform(.write) { try hub.noteAuditHead(head, of: deviceID, at: time) } }
        let events = push.events.sorted { $0.seq < $1.seq }
        let store = self.store, storeID = self.storeID, logger = self.logger
        let response = try await client.withTransaction(logger: logger) { connection -> PushResponse in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey(storeID)))", logger: logger)
            var known: [UUID: String] = [:]
            let ids = events.map(\.id)
            let rows = try await connection.query("SELECT event_id, outcome FROM ledger_event WHERE event_id = ANY(\(ids))", logger: logger)
            for try await (id, outcome) in rows.decode((UUID, String).self) { known[id] = outcome }
            let skipping = Set(known.keys)
            let decisions = try await store.perform(.write) { try hub.trial(events, from: deviceID, skipping: skipping, own: own) }
            var stored = 0
            var rejected: [RejectedEvent] = []
            var batch = LedgerBatch()
            for event in events {
                if let outcome = known[event.id] {
                    // Delivered again: kept already. A refusal is repeated with the hub's state now.
                    if let r = try await store.perform(.read, { try hub.repeatedRejection(of: event, outcome: outcome) }) { rejected.append(r) }
                    continue
                }
                guard var decision = decisions[event.id], decision.keep else { continue }
                // A carton is shipped and received once across the chain: the ledger's word.
                if decision.applied, let m = event.movement, let carton = event.transfer,
                   let refusal = try await Self.keepTransfer(m, carton: carton, store: storeID, on: connection, logger: logger) {
                    decision = Hub.Decision(outcome: "not applied: \(refusal)")
                }
                known[event.id] = decision.outcome      // the same id twice in one batch is kept once
                // Sealed whole with the store's own key; what the device sealed for the way is
                // opened first, so that a store rebuilt from the ledger can read it.
                let kept = try store.hub.openingSealedFields(event, from: deviceID, own: own)
                let body = try store.personalData.seal(String(decoding: try Self.eventEncoder.encode(kept), as: UTF8.self))
                batch.add(event, outcome: decision.outcome, body: body)
                if decision.applied {
                    if let m = event.movement, event.kind == .stockMovement { batch.add(m) }
                    else { try await Self.keepJobOrFact(event, store: storeID, on: connection, logger: logger) }
                }
                if let r = decision.rejection { rejected.append(r) }
                stored += 1
            }
            try await batch.write(store: storeID, device: deviceID, at: time, on: connection, logger: logger)
            try await connection.query("""
                INSERT INTO ledger_store (store_id, last_device, last_push_at) VALUES (\(storeID), \(deviceID), \(time))
                ON CONFLICT (store_id) DO UPDATE SET
                  last_device = CASE WHEN excluded.last_push_at >= ledger_store.last_push_at THEN excluded.last_device ELSE ledger_store.last_device END,
                  last_push_at = GREATEST(ledger_store.last_push_at, excluded.last_push_at)
                """, logger: logger)
            return PushResponse(ackedSeq: events.map(\.seq).max() ?? 0, stored: stored, rejected: rejected)
        }
        try await catchUp()
        return response
    }

    /// Sends the hub's own changes (a job opened or moved on the hub itself, a scan at its
    /// counter) from its outbox to the ledger, batch by batch, as the device `deviceID`;
    /// returns how many. They are applied in the hub's store already: the ledger records them
    /// and keeps its stock and job state.
    @discardableResult
    public func takeOwnChanges(deviceID: String, batchSize: Int = 500) async throws -> Int {
        var sent = 0
        while true {
            let outbox = store.outbox
            let events = try await store.perform(.read) { try outbox.pending(limit: batchSize) }
            guard !events.isEmpty else { return sent }
            let response = try await accept(PushRequest(deviceID: deviceID, events: events), from: deviceID, at: Date(), own: true)
            try await store.perform(.write) { try outbox.acknowledge(response) }
            sent += events.count
        }
    }

    /// Applies to the hub's store every ledger event of this store after its cursor, page by
    /// page; returns how many.
    @discardableResult
    public func catchUp() async throws -> Int {
        var applied = 0
        while true {
            let hub = store.hub
            let cursor = try await store.perform(.read) { try hub.ledgerCursor() }
            let rows = try await client.query("""
                SELECT sequence, device_id, outcome, received_at, body FROM ledger_event
                WHERE store_id = \(storeID) AND sequence > \(cursor) ORDER BY sequence LIMIT 1000
                """, logger: logger)
            var entries: [LedgerEntry] = []
            for try await (sequence, device, outcome, receivedAt, body) in rows.decode((Int64, String, String, Date, Data).self) {
                let event = try Self.decoder.decode(SyncEvent.self, from: Data(try store.personalData.open(body).utf8))
                entries.append(LedgerEntry(sequence: sequence, deviceID: device, event: event, outcome: outcome, receivedAt: receivedAt))
            }
            guard !entries.isEmpty else { return applied }
            let projected = entries
            for (entry, reason) in try await store.perform(.write, { try hub.project(projected) }) {
                logger.error("the ledger applied an event the hub's store could not", metadata: [
                    "event": "\(entry.event.id)", "sequence": "\(entry.sequence)", "reason": "\(reason)"])
            }
            applied += entries.count
            if entries.count < 1000 { return applied }
        }
    }

    /// The ledger's stock of this store: part, bin, quantity (non-zero rows).
    public func stock() async throws -> [LedgerStock] {
        let rows = try await client.query("""
            SELECT part_number, bin, quantity FROM ledger_balance WHERE store_id = \(storeID) AND quantity <> 0 ORDER BY part_number, bin
            """, logger: logger)
        var result: [LedgerStock] = []
        for try await (part, bin, quantity) in rows.decode((String, String, Int64).self) {
            result.append(LedgerStock(partNumber: part, bin: bin, quantity: Int(quantity)))
        }
        return result
    }

    /// The ledger's state of a job of this store.
    public func jobState(_ ticketCode: String) async throws -> JobState? {
        let rows = try await client.query("SELECT state FROM ledger_job WHERE store_id = \(storeID) AND ticket_code = \(ticketCode)", logger: logger)
        for try await state in rows.decode(String.self) { return JobState(rawValue: state) }
        return nil
    }

    /// The ids of the events the ledger keeps from `deviceID` of this store, and how many rows hold them.
    public func eventIDs(from deviceID: String) async throws -> [UUID] {
        let rows = try await client.query("""
            SELECT event_id FROM ledger_event WHERE store_id = \(storeID) AND device_id = \(deviceID) ORDER BY sequence
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    // MARK: Transfers between the stores

    /// Ships a carton to a sister store: takes the next SSCC serial of the chain, then records
    /// the movement out in this store (the hub's own change: it reaches the ledger from the
    /// hub's outbox, with the carton). Shipping the same key again returns the carton shipped.
    public func ship(_ order: TransferOrder) async throws -> StoreTransfer {
        let transfers = store.transfers
        if let shipped = try await store.perform(.read, { try transfers.shipped(key: order.key) }) { return shipped }
        guard let companyPrefix else { throw TransferError.badCompanyPrefix("(not set)") }
        guard order.toStore != storeID else { throw TransferError.sameStore(order.toStore) }
        let stores = try await within { try await self.storeIDs() }
        guard stores.contains(order.toStore) else { throw TransferError.unknownStore(order.toStore, known: stores.filter { $0 != self.storeID }) }
        // The SSCC and the carton's reservation in one step, before anything leaves the bin: the
        // ledger later keeps only the carton this hub reserved (a board cannot make one up).
        let catalog = store.catalog
        let cost = try await store.perform(.read) { try catalog.part(order.partNumber)?.unitCost }
        let (from, hubID, logger) = (storeID, self.hubID, self.logger)
        let sscc = try await within { () async throws -> String in
            try await self.client.withTransaction(logger: logger) { connection in
                var serial: Int64?
                for try await next in try await connection.query("SELECT nextval('ledger_sscc_serial')", logger: logger).decode(Int64.self) { serial = next }
                let sscc = try SSCC.make(companyPrefix: companyPrefix, serial: serial ?? -1)
                try await connection.query("""
                    INSERT INTO ledger_sscc (sscc, store_id, ship_key, part_number, quantity, to_store, unit_cost)
                    VALUES (\(sscc), \(from), \(order.key), \(order.partNumber), \(Int64(order.quantity)), \(order.toStore), \(cost.map(Int64.init)))
                    """, logger: logger)
                return sscc
            }
        }
        return try await store.perform(.write) { try transfers.ship(sscc: sscc, from: from, order: order, deviceID: hubID) }
    }

    /// The stores of the chain: every store that has pushed to the ledger.
    public func storeIDs() async throws -> [String] {
        var stores: [String] = []
        for try await store in try await client.query("SELECT store_id FROM ledger_store ORDER BY store_id", logger: logger).decode(String.self) {
            stores.append(store)
        }
        return stores
    }

    /// Brings the hub's store up to the ledger's transfers: the cartons on their way here, and
    /// what became of the ones it holds in transit (received, at either end). Returns how many
    /// rows it read.
    @discardableResult
    public func learnTransfers() async throws -> Int {
        let book = store.transfers
        let open = try await store.perform(.read) { try book.inTransit() }
        let rows = try await client.query("""
            SELECT sscc, from_store, to_store, part_number, quantity, from_bin, shipped_at, shipped_by, ship_key, received_at, received_by, to_bin, receive_key
            FROM ledger_transfer WHERE (to_store = \(storeID) AND receive_key IS NULL) OR sscc = ANY(\(open))
            """, logger: logger)
        var found: [StoreTransfer] = []
        for try await (sscc, from, to, part, quantity, fromBin, shippedAt, shippedBy, shipKey, receivedAt, receivedBy, toBin, receiveKey)
            in rows.decode((String, String, String, String, Int64, String, Date, String, UUID, Date?, String?, String?, UUID?).self) {
            found.append(StoreTransfer(sscc: sscc, fromStore: from, toStore: to, incoming: to == storeID, partNumber: part, quantity: Int(quantity),
                                       fromBin: fromBin, shippedAt: shippedAt, shippedBy: shippedBy, shipMovementKey: shipKey,
                                       receivedAt: receivedAt, receivedBy: receivedBy, toBin: toBin, receiveMovementKey: receiveKey))
        }
        guard !found.isEmpty else { return 0 }
        let learned = found
        try await store.perform(.write) { try book.learn(learned) }
        return learned.count
    }

    /// Publishes this store's standing stock alerts to the ledger (replacing the ones it
    /// published before), for the chain's report.
    public func publishAlerts(_ alerts: [StockAlert]) async throws {
        let store = storeID, logger = self.logger
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("DELETE FROM ledger_store_alert WHERE store_id = \(store)", logger: logger)
            for alert in alerts {
                try await connection.query("""
                    INSERT INTO ledger_store_alert (store_id, part_number, level, on_hand, threshold, raised_at)
                    VALUES (\(store), \(alert.partNumber), \(alert.level.rawValue), \(Int64(alert.onHand)), \(Int64(alert.threshold)), \(alert.raisedAt))
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
    }

    /// Publishes this store's unit costs (fen by part) to the ledger: `changed` are upserted,
    /// `removed` deleted, in one transaction.
    /// `replacingAll`: `changed` is every cost the store has (the first publication after a
    /// start): whatever else the ledger holds for it goes.
    public func publishCosts(changed: [String: Int], removed: [String], replacingAll: Bool = false) async throws {
        let store = storeID, logger = self.logger
        let parts = Array(changed.keys), costs = parts.map { Int64(changed[$0]!) }
        try await client.withTransaction(logger: logger) { connection in
            if replacingAll {
                try await connection.query("DELETE FROM ledger_part_cost WHERE store_id = \(store) AND part_number <> ALL(\(parts))", logger: logger)
            } else if !removed.isEmpty {
                try await connection.query("DELETE FROM ledger_part_cost WHERE store_id = \(store) AND part_number = ANY(\(removed))", logger: logger)
            }
            guard !parts.isEmpty else { return }
            try await connection.query("""
                INSERT INTO ledger_part_cost (store_id, part_number, unit_cost)
                SELECT \(store), c.part, c.cost FROM UNNEST(\(parts)::text[], \(costs)::int8[]) AS c(part, cost)
                ON CONFLICT (store_id, part_number) DO UPDATE SET unit_cost = excluded.unit_cost
                """, logger: logger)
        }
    }

    /// Every store of the chain with its stock, what is in transit to and from it, and its
    /// standing alerts: this store first. Within the ledger's deadline.
    public func chainReport() async throws -> [ChainStoreFigures]? {
        try await within { try await self.queryChainReport() }
    }

    private func queryChainReport() async throws -> [ChainStoreFigures] {
        var alerts: [String: [ChainAlert]] = [:]
        let alertRows = try await client.query("""
            SELECT store_id, part_number, level, on_hand, threshold, raised_at FROM ledger_store_alert ORDER BY store_id, raised_at, part_number
            """, logger: logger)
        for try await (store, part, level, onHand, threshold, at) in alertRows.decode((String, String, String, Int64, Int64, Date).self) {
            alerts[store, default: []].append(ChainAlert(partNumber: part, level: level, onHand: Int(onHand), threshold: Int(threshold), raisedAt: at))
        }
        // Parts with stock above zero (a part below zero is a count to make, not stock); a carton
        // in transit is worth what its part cost the store that shipped it, when it shipped.
        let rows = try await client.query("""
            WITH stock AS (
              SELECT b.store_id, b.part_number, SUM(b.quantity) AS quantity FROM ledger_balance b GROUP BY b.store_id, b.part_number),
            transit AS (
              SELECT t.from_store, t.to_store, t.quantity, t.quantity * t.unit_cost AS value FROM ledger_transfer t WHERE t.receive_key IS NULL)
            SELECT s.store_id, s.last_push_at,
              (SELECT COUNT(*) FROM stock k WHERE k.store_id = s.store_id AND k.quantity > 0),
              (SELECT COALESCE(SUM(k.quantity), 0)::int8 FROM stock k WHERE k.store_id = s.store_id AND k.quantity > 0),
              (SELECT COALESCE(SUM(k.quantity * c.unit_cost), 0)::int8 FROM stock k
                 JOIN ledger_part_cost c ON c.store_id = k.store_id AND c.part_number = k.part_number WHERE k.store_id = s.store_id AND k.quantity > 0),
              (SELECT COUNT(*) FROM stock k WHERE k.store_id = s.store_id AND k.quantity > 0
                 AND NOT EXISTS (SELECT 1 FROM ledger_part_cost c WHERE c.store_id = k.store_id AND c.part_number = k.part_number)),
              (SELECT COUNT(*) FROM transit t WHERE t.from_store = s.store_id),
              (SELECT COALESCE(SUM(t.quantity), 0)::int8 FROM transit t WHERE t.from_store = s.store_id),
              (SELECT COALESCE(SUM(t.value), 0)::int8 FROM transit t WHERE t.from_store = s.store_id),
              (SELECT COUNT(*) FROM transit t WHERE t.to_store = s.store_id),
              (SELECT COALESCE(SUM(t.quantity), 0)::int8 FROM transit t WHERE t.to_store = s.store_id),
              (SELECT COALESCE(SUM(t.value), 0)::int8 FROM transit t WHERE t.to_store = s.store_id)
            FROM ledger_store s ORDER BY s.store_id = \(storeID) DESC, s.store_id
            """, logger: logger)
        var result: [ChainStoreFigures] = []
        for try await (store, at, parts, units, value, unpriced, cartonsOut, unitsOut, valueOut, cartonsIn, unitsIn, valueIn)
            in rows.decode((String, Date, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self) {
            result.append(ChainStoreFigures(store: store, isThisStore: store == storeID, parts: Int(parts), units: Int(units),
                                            valueFen: Int(value), partsWithoutCost: Int(unpriced),
                                            cartonsOut: Int(cartonsOut), unitsOut: Int(unitsOut), valueOutFen: Int(valueOut),
                                            cartonsIn: Int(cartonsIn), unitsIn: Int(unitsIn), valueInFen: Int(valueIn),
                                            alerts: alerts[store] ?? [], lastPushAt: at))
        }
        return result
    }

    /// `body` within the ledger's deadline: an unreachable server is an error, not a wait.
    private func within<T: Sendable>(_ body: @Sendable @escaping () async throws -> T) async throws -> T {
        let deadline = self.deadline
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw LedgerError.unavailable(after: deadline)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Keeps a carton's shipment or receipt in `ledger_transfer`, once; returns why the ledger
    /// refuses it (nil: kept, or kept already for this very movement).
    private static func keepTransfer(_ m: StockMovement, carton: StoreTransfer, store: String, on connection: PostgresConnection,
                                     logger: Logger) async throws -> TransferError? {
        switch m.kind {
        case .transferOut:
            // Only as this store's hub reserved it: the SSCC, the shipment, the part, the quantity, the destination.
            let reserved = try await connection.query("""
                SELECT store_id, ship_key, part_number, quantity, to_store FROM ledger_sscc WHERE sscc = \(carton.sscc)
                """, logger: logger)
            var found: (String, UUID, String, Int64, String)?
            for try await row in reserved.decode((String, UUID, String, Int64, String).self) { found = row }
            guard let (owner, key, part, quantity, toStore) = found, owner == store else { return .boardCannotShip }
            guard key == m.key else { return .ssccTaken(carton.sscc) }
            guard part == m.partNumber, quantity == Int64(m.quantity), toStore == carton.toStore else { return .cartonMismatch(carton.sscc) }
            try await connection.query("""
                INSERT INTO ledger_transfer (sscc, from_store, to_store, part_number, quantity, from_bin, shipped_at, shipped_by, ship_key, unit_cost)
                SELECT r.sscc, r.store_id, r.to_store, r.part_number, r.quantity, \(m.fromBin ?? carton.fromBin), \(m.recordedAt), \(m.actor), r.ship_key, r.unit_cost
                FROM ledger_sscc r WHERE r.sscc = \(carton.sscc)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            return nil
        case .transferIn:
            var kept = false
            for try await _ in try await connection.query("""
                UPDATE ledger_transfer SET received_at = \(m.recordedAt), received_by = \(m.actor), to_bin = \(m.toBin), receive_key = \(m.key)
                WHERE sscc = \(carton.sscc) AND to_store = \(store) AND part_number = \(m.partNumber) AND quantity = \(Int64(m.quantity)) AND receive_key IS NULL
                RETURNING sscc
                """, logger: logger).decode(String.self) { kept = true }
            if kept { return nil }
            let rows = try await connection.query("""
                SELECT to_store, receive_key, received_at, received_by FROM ledger_transfer WHERE sscc = \(carton.sscc)
                """, logger: logger)
            for try await (toStore, key, at, by) in rows.decode((String, UUID?, Date?, String?).self) {
                if key == m.key { return nil }
                if toStore != store { return .notForThisStore(sscc: carton.sscc, toStore: toStore) }
                if let at { return .alreadyReceived(sscc: carton.sscc, at: at, by: by ?? "?") }
                return .cartonMismatch(carton.sscc)
            }
            return .unknownCarton(carton.sscc)
        default:
            return nil
        }
    }

    // MARK: Private

    /// Keeps a job's state and transitions, or a fact (stocktake, alert), beside the event.
    private static func keepJobOrFact(_ event: SyncEvent, store: String, on connection: PostgresConnection, logger: Logger) async throws {
        switch event.kind {
        case .stockMovement, .partsRequest, .workshopEvent, .delivery:
            // In the event's body; the hub's store derives arrivals and clearings from the movements.
            return
        case .stocktake, .stockAlert:
            // No personal data in these: kept readable (JSON) for head office.
            let body = String(decoding: try encoder.encode(FactBody(stocktake: event.stocktake, alert: event.alert)), as: UTF8.self)
            try await connection.query("""
                INSERT INTO ledger_fact (store_id, event_id, kind, body) VALUES (\(store), \(event.id), \(event.kind.rawValue), \(body)::jsonb)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        case .jobOpened:
            guard let o = event.order else { return }
            try await connection.query("""
                INSERT INTO ledger_job (store_id, ticket_code, state, state_since, bay, opened_at)
                VALUES (\(store), \(o.ticketCode), \(JobState.checkedIn.rawValue), \(o.openedAt), \(o.bay), \(o.openedAt))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        case .jobTransition:
            guard let t = event.transition else { return }
            try await connection.query("""
                INSERT INTO ledger_transition (store_id, transition_id, ticket_code, from_state, to_state, actor, bay, at, reason)
                VALUES (\(store), \(t.id), \(t.ticketCode), \(t.fromState?.rawValue), \(t.toState.rawValue), \(t.actor), \(t.bay), \(t.at), \(t.reason))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.query("""
                INSERT INTO ledger_job (store_id, ticket_code, state, state_since, bay, opened_at)
                VALUES (\(store), \(t.ticketCode), \(t.toState.rawValue), \(t.at), \(t.bay), \(t.at))
                ON CONFLICT (store_id, ticket_code) DO UPDATE SET state = excluded.state, state_since = excluded.state_since,
                  bay = COALESCE(excluded.bay, ledger_job.bay)
                """, logger: logger)
        }
    }

    /// The advisory lock that orders one store's pushes (a 63-bit FNV-1a hash of its name).
    static func lockKey(_ storeID: String) -> Int64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in storeID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return Int64(bitPattern: hash & 0x7FFF_FFFF_FFFF_FFFF)
    }

    static let migrationLock: Int64 = 0x6B696F736B64     // "kioskd"

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = WireDate.encoding
        return encoder
    }()
    /// The event inside `ledger_event.body`: dates as seconds, exactly as they came.
    static let eventEncoder = JSONEncoder()
    static let decoder = JSONDecoder()

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS ledger_event (
          sequence BIGSERIAL PRIMARY KEY,
          store_id TEXT NOT NULL,
          event_id UUID NOT NULL UNIQUE,
          device_id TEXT NOT NULL,
          device_seq BIGINT NOT NULL,
          kind TEXT NOT NULL,
          hlc BIGINT NOT NULL,
          received_at TIMESTAMPTZ NOT NULL,
          outcome TEXT NOT NULL,
          body BYTEA NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ledger_event_store ON ledger_event (store_id, sequence)",
        """
        CREATE TABLE IF NOT EXISTS ledger_movement (
          store_id TEXT NOT NULL,
          movement_key UUID NOT NULL,
          kind TEXT NOT NULL,
          part_number TEXT NOT NULL,
          quantity BIGINT NOT NULL,
          from_bin TEXT,
          to_bin TEXT,
          work_order TEXT,
          device_id TEXT NOT NULL,
          actor TEXT NOT NULL,
          recorded_at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (store_id, movement_key))
        """,
        """
        CREATE TABLE IF NOT EXISTS ledger_balance (
          store_id TEXT NOT NULL,
          part_number TEXT NOT NULL,
          bin TEXT NOT NULL,
          quantity BIGINT NOT NULL,
          PRIMARY KEY (store_id, part_number, bin))
        """,
        """
        CREATE TABLE IF NOT EXISTS ledger_job (
          store_id TEXT NOT NULL,
          ticket_code TEXT NOT NULL,
          state TEXT NOT NULL,
          state_since TIMESTAMPTZ NOT NULL,
          bay TEXT,
          opened_at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (store_id, ticket_code))
        """,
        """
        CREATE TABLE IF NOT EXISTS ledger_fact (
          store_id TEXT NOT NULL,
          event_id UUID NOT NULL,
          kind TEXT NOT NULL,
          body JSONB NOT NULL,
          PRIMARY KEY (store_id, event_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS ledger_transition (
          store_id TEXT NOT NULL,
          transition_id UUID NOT NULL,
          ticket_code TEXT NOT NULL,
          from_state TEXT,
          to_state TEXT NOT NULL,
          actor TEXT NOT NULL,
          bay TEXT,
          at TIMESTAMPTZ NOT NULL,
          reason TEXT,
          PRIMARY KEY (store_id, transition_id))
        """,
    ]
}

/// The rows one push adds, written with one statement per table (`UNNEST` of arrays): a
/// round trip per table and batch, not per event.
struct LedgerBatch {
    var ids: [UUID] = [], seqs: [Int64] = [], kinds: [String] = [], hlcs: [Int64] = [], outcomes: [String] = [], bodies: [ByteBuffer] = []
    var keys: [UUID] = [], movementKinds: [String] = [], parts: [String] = [], quantities: [Int64] = []
    var fromBins: [String] = [], toBins: [String] = [], workOrders: [String] = [], devices: [String] = [], actors: [String] = [], recorded: [Date] = []
    /// Each (part, bin)'s change, summed over the batch: one row each in the upsert.
    var deltas: [String: [String: Int64]] = [:]

    mutating func add(_ event: SyncEvent, outcome: String, body: Data) {
        ids.append(event.id); seqs.append(event.seq); kinds.append(event.kind.rawValue); hlcs.append(event.hlc.rawValue)
        outcomes.append(outcome); bodies.append(ByteBuffer(bytes: body))
    }

    mutating func add(_ m: StockMovement) {
        keys.append(m.key); movementKinds.append(m.kind.rawValue); parts.append(m.partNumber); quantities.append(Int64(m.quantity))
        fromBins.append(m.fromBin ?? ""); toBins.append(m.toBin ?? ""); workOrders.append(m.workOrder ?? "")
        devices.append(m.deviceID); actors.append(m.actor); recorded.append(m.recordedAt)
        for (bin, delta) in m.deltas { deltas[m.partNumber, default: [:]][bin, default: 0] += Int64(delta) }
    }

    func write(store: String, device: String, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        // In the batch's order, so that the store's sequence follows the device's.
        try await connection.query("""
            INSERT INTO ledger_event (store_id, event_id, device_id, device_seq, kind, hlc, received_at, outcome, body)
            SELECT \(store), e.id, \(device), e.seq, e.kind, e.hlc, \(time), e.outcome, e.body
            FROM UNNEST(\(ids)::uuid[], \(seqs)::int8[], \(kinds)::text[], \(hlcs)::int8[], \(outcomes)::text[], \(bodies)::bytea[])
              WITH ORDINALITY AS e(id, seq, kind, hlc, outcome, body, n)
            ORDER BY e.n
            """, logger: logger)
        guard !keys.isEmpty else { return }
        try await connection.query("""
            INSERT INTO ledger_movement (store_id, movement_key, kind, part_number, quantity, from_bin, to_bin, work_order, device_id, actor, recorded_at)
            SELECT \(store), m.key, m.kind, m.part, m.quantity, NULLIF(m.from_bin, ''), NULLIF(m.to_bin, ''), NULLIF(m.work_order, ''), m.device, m.actor, m.at
            FROM UNNEST(\(keys)::uuid[], \(movementKinds)::text[], \(parts)::text[], \(quantities)::int8[], \(fromBins)::text[], \(toBins)::text[],
                        \(workOrders)::text[], \(devices)::text[], \(actors)::text[], \(recorded)::timestamptz[])
              AS m(key, kind, part, quantity, from_bin, to_bin, work_order, device, actor, at)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        var balanceParts: [String] = [], balanceBins: [String] = [], balanceDeltas: [Int64] = []
        for (part, bins) in deltas {
            for (bin, delta) in bins where delta != 0 { balanceParts.append(part); balanceBins.append(bin); balanceDeltas.append(delta) }
        }
        guard !balanceParts.isEmpty else { return }
        try await connection.query("""
            INSERT INTO ledger_balance (store_id, part_number, bin, quantity)
            SELECT \(store), b.part, b.bin, b.delta FROM UNNEST(\(balanceParts)::text[], \(balanceBins)::text[], \(balanceDeltas)::int8[]) AS b(part, bin, delta)
            ON CONFLICT (store_id, part_number, bin) DO UPDATE SET quantity = ledger_balance.quantity + excluded.quantity
            """, logger: logger)
    }
}

/// A stocktake or alert as `ledger_fact` keeps it.
struct FactBody: Codable {
    var stocktake: StocktakeFact?
    var alert: AlertFact?
}

/// One row of the ledger's stock.
public struct LedgerStock: Sendable, Hashable, Codable {
    public var partNumber: String
    public var bin: String
    public var quantity: Int
    public init(partNumber: String, bin: String, quantity: Int) {
        self.partNumber = partNumber
        self.bin = bin
        self.quantity = quantity
    }
}
