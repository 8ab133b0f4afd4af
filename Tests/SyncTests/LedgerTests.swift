import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import KioskCore
import Logging
import PostgresHub
import PostgresNIO
import Testing
@testable import KioskWeb
@testable import Sync

/// The PostgreSQL server the ledger tests use (`scripts/test-postgres` starts one and sets it).
let testPostgres = ProcessInfo.processInfo.environment["KIOSKD_TEST_POSTGRES"]

/// Runs `body` with a PostgreSQL client on a new, empty database of the test server, dropped afterwards.
func withLedgerDatabase(_ body: (PostgresClient) async throws -> Void) async throws {
    let server = try LedgerLocation(url: try #require(testPostgres))
    let name = "kd_test_\(UUID().uuidString.prefix(8).lowercased())"
    let logger = Logger(label: "test.ledger")
    let admin = PostgresClient(configuration: try server.configuration(), backgroundLogger: logger)
    var location = server
    location.database = name
    let client = PostgresClient(configuration: try location.configuration(), backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await admin.run() }
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        group.addTask { await client.run() }
        do {
            try await body(client)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
    // The dropping client starts after the database's own client has stopped.
    let dropper = PostgresClient(configuration: try server.configuration(), backgroundLogger: logger)
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await dropper.run() }
        _ = try? await dropper.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        group.cancelAll()
    }
}

func ledger(_ client: PostgresClient, hub: KioskDatabase, store: String = "store-1") async throws -> PostgresLedger {
    let ledger = PostgresLedger(client: client, store: hub, storeID: store, logger: Logger(label: "test.ledger"))
    try await ledger.migrate()
    return ledger
}

func ledgerHubApp(_ hub: KioskDatabase, _ ledger: PostgresLedger) -> some ApplicationProtocol {
    let env = WebEnvironment(database: hub, counter: Counter(database: hub, deviceID: "hub"), health: HealthBoard(),
                             isHub: true, ledger: ledger)
    return Application(router: makeRouter(env), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

/// Enrols a device with the hub directly (as the HTTP route would), so that the ledger's
/// `accept` knows its role.
func enrolDirect(_ hub: KioskDatabase, _ device: String, as role: DeviceRole = .store) throws {
    _ = try hub.hub.enrol(deviceID: device, code: try hub.hub.enrolmentCode(for: device, role: role, bay: role == .bay ? "BAY-1" : nil, actor: "t"))
}

func ledgerStock(_ db: KioskDatabase) throws -> [LedgerStock] {
    try db.stock.balances().filter { $0.quantity != 0 }.map { LedgerStock(partNumber: $0.partNumber, bin: $0.binCode, quantity: $0.quantity) }
        .sorted { ($0.partNumber, $0.bin) < ($1.partNumber, $1.bin) }
}

@Suite("Sync: the hub's ledger in PostgreSQL", .enabled(if: testPostgres != nil, "set KIOSKD_TEST_POSTGRES (scripts/test-postgres)"))
struct LedgerTests {
    @Test("through the PostgreSQL ledger a batch delivered twice is kept once, and the ledger, the hub's store and the device agree")
    func exactlyOnce() async throws {
        let (hub, hubDir) = try syncStore("pg-hub"), (device, deviceDir) = try syncStore("pg-counter")
        defer { for d in [hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let ledger = try await ledger(client, hub: hub)
            let code = try hub.hub.enrolmentCode(for: "counter", role: .store, actor: "t")
            try device.outbox.enable()
            try receive(device, 30, device: "counter")
            _ = try device.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000"), actor: "desk")
            try device.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
            let events = try device.outbox.pending(limit: 1000)
            try await ledgerHubApp(hub, ledger).test(.live) { client in
                let sync = SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "counter",
                                                             tokenFile: deviceDir.appendingPathComponent("t").path, batchSize: 7), http: .shared)
                try await sync.enrol(code: code)
                #expect(try await SyncService.drain(sync, database: device) == 33)
                // The same batch again (an answer lost on the way back): nothing new.
                let again = try await sync.push(events)
                #expect(again.response.stored == 0)
                #expect(again.response.ackedSeq == events.map(\.seq).max())
            }
            let kept = try await ledger.eventIDs(from: "counter")
            #expect(kept.count == 33 && Set(kept) == Set(events.map(\.id)), "every event once")
            #expect(try await ledger.stock() == ledgerStock(device))
            #expect(try ledgerStock(hub) == ledgerStock(device))
            #expect(try await ledger.jobState("WO-1") == .diagnosing)
            #expect(try hub.workshop.order("WO-1")?.state == .diagnosing)
            #expect(try hub.workshop.order("WO-1")?.customerPhone == "13800138000", "the hub's store opens what the ledger sealed")
            #expect(try count(hub, "SELECT COUNT(*) FROM hub_event") == 33)
            // The ledger keeps the opened order sealed: no phone number in PostgreSQL.
            let rows = try await client.query("SELECT count(*) FROM ledger_event WHERE position(convert_to('13800138000', 'UTF8') in body) > 0")
            for try await n in rows.decode(Int64.self) { #expect(n == 0) }
        }
    }

    @Test("two bays move the same job through the ledger: the later move is refused back with the hub's state")
    func conflict() async throws {
        let (hub, bay1, bay2, dir1, dir2, codes, folders) = try twoBaysInConflict("pg")
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let ledger = try await ledger(client, hub: hub)
            try await ledgerHubApp(hub, ledger).test(.live) { client in
                try await syncBothBays(port: client.port!, bay1: bay1, dir1: dir1, bay2: bay2, dir2: dir2, codes: codes)
            }
            #expect(try await ledger.jobState("WO-7") == .repairing)
            #expect(try hub.workshop.order("WO-7")?.state == .repairing)
            #expect(try bay2.workshop.order("WO-7")?.state == .repairing, "bay 2 converged to the hub")
            #expect(try bay2.outbox.status().lastRejection?.contains("WO-7") == true)
            let outcomes = try await client.query("SELECT outcome FROM ledger_event WHERE device_id = 'bay-2'")
            for try await outcome in outcomes.decode(String.self) { #expect(outcome.hasPrefix("rejected: ")) }
        }
    }

    @Test("a hub store lost or behind (killed between the ledger's commit and its own) is rebuilt from the ledger in its order")
    func rebuiltFromLedger() async throws {
        let (hub, hubDir) = try syncStore("pg-hub"), (device, deviceDir) = try syncStore("pg-counter")
        // The new board gets the store's personal-data key (from its credential): the ledger's events are sealed with it.
        let freshDir = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-sync-pg-new-hub-\(UUID().uuidString)")
        let fresh = try KioskDatabase.open(at: freshDir.appendingPathComponent("kioskd.sqlite").path, key: .key(hub.personalData))
        try fresh.catalog.save(Bin(code: "A-01"))
        try fresh.catalog.save(Part(partNumber: "P1", nameZh: "刹车片", nameEn: "Brake pad", defaultBin: "A-01"), barcodes: ["6901234567892"])
        defer { for d in [hubDir, deviceDir, freshDir] { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let first = try await ledger(client, hub: hub)
            try enrolDirect(hub, "counter")
            try device.outbox.enable()
            try receive(device, 12, device: "counter")
            _ = try device.workshop.open(WorkOrderDraft(ticketCode: "WO-2", plate: "粤B22222", vin: "LSVAU2180N2183294", customerPhone: "13900139000"), actor: "desk")
            try device.workshop.transition("WO-2", to: .diagnosing, actor: "T1")
            try device.workshop.transition("WO-2", to: .repairing, actor: "T1")
            let events = try device.outbox.pending(limit: 1000)
            _ = try await first.accept(PushRequest(deviceID: "counter", events: events), from: "counter", at: Date())
            // A second hub store on the same ledger (the old board died): it takes every event, in order.
            let second = try await ledger(client, hub: fresh)
            #expect(try await second.catchUp() == events.count)
            #expect(try await second.catchUp() == 0, "nothing twice")
            #expect(try ledgerStock(fresh) == ledgerStock(device))
            #expect(try fresh.workshop.order("WO-2")?.state == .repairing)
            #expect(try fresh.hub.ledgerCursor() == hub.hub.ledgerCursor())
        }
    }

    @Test("stores of a chain share one database, each with its own events, stock and order")
    func chainOfStores() async throws {
        let (storeA, dirA) = try syncStore("pg-store-a"), (storeB, dirB) = try syncStore("pg-store-b"), (device, deviceDir) = try syncStore("pg-counter")
        defer { for d in [dirA, dirB, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let a = try await ledger(client, hub: storeA, store: "guangzhou")
            let b = try await ledger(client, hub: storeB, store: "shenzhen")
            try enrolDirect(storeA, "counter")
            try device.outbox.enable()
            try receive(device, 4, device: "counter")
            _ = try await a.accept(PushRequest(deviceID: "counter", events: try device.outbox.pending()), from: "counter", at: Date())
            #expect(try await b.catchUp() == 0)
            #expect(try await b.stock().isEmpty)
            #expect(try onHand(storeB) == 0)
            #expect(try await a.stock() == [LedgerStock(partNumber: "P1", bin: "A-01", quantity: 4)])
            #expect(try onHand(storeA) == 4)
        }
    }

    @Test("a clerk at one store sees which sister stores hold a part, with each store's last push")
    func whoInTheChainHoldsAPart() async throws {
        let (storeA, dirA) = try syncStore("pg-chain-a"), (storeB, dirB) = try syncStore("pg-chain-b")
        let (counterA, dirCA) = try syncStore("pg-chain-counter-a"), (counterB, dirCB) = try syncStore("pg-chain-counter-b")
        defer { for d in [dirA, dirB, dirCA, dirCB] { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let a = try await ledger(client, hub: storeA, store: "guangzhou")
            let b = try await ledger(client, hub: storeB, store: "shenzhen")
            try enrolDirect(storeA, "counter-a")
            try enrolDirect(storeB, "counter-b")
            for c in [counterA, counterB] { try c.outbox.enable() }
            try receive(counterA, 2, device: "counter-a")
            try receive(counterB, 5, device: "counter-b")
            let pushedAt = Date()
            _ = try await a.accept(PushRequest(deviceID: "counter-a", events: try counterA.outbox.pending()), from: "counter-a", at: pushedAt)
            _ = try await b.accept(PushRequest(deviceID: "counter-b", events: try counterB.outbox.pending()), from: "counter-b", at: pushedAt)
            let seen = try #require(try await a.chainStock(of: "P1"))
            #expect(seen.map { [$0.store, $0.bin, "\($0.quantity)", $0.isThisStore ? "here" : "sister"] }
                    == [["guangzhou", "A-01", "2", "here"], ["shenzhen", "A-01", "5", "sister"]])
            #expect(seen.allSatisfy { abs(($0.lastPushAt ?? .distantPast).timeIntervalSince(pushedAt)) < 1 }, "\(seen)")
            #expect(try await b.chainStock(of: "NOPE")?.isEmpty == true)
            #expect(try await storeA.hub.chainStock(of: "P1") == nil, "a hub without a shared ledger is no chain")
            // The counter page asks the hub over HTTP, signed in as a clerk.
            try storeA.workshop.save(Technician(badge: "C1", name: "李配件"))
            try storeA.workshop.setPIN(badge: "C1", pin: "1357", actor: "t")
            try storeA.access.setRole(badge: "C1", to: .clerk, actor: "t")
            try await ledgerHubApp(storeA, a).test(.live) { http in
                let signedIn = try await http.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                      body: ByteBuffer(string: #"{"badge":"C1","pin":"1357"}"#))
                let cookie = try #require(signedIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
                let answer = try await http.execute(uri: "/api/v1/stock/chain?part=P1", method: .get, headers: [.cookie: cookie])
                #expect(answer.status == .ok && String(buffer: answer.body).contains("shenzhen"), "\(String(buffer: answer.body))")
                #expect(try await http.execute(uri: "/api/v1/stock/chain?part=P1", method: .get).status == .unauthorized)
            }
        }
    }

    @Test("the ledger's schema has ordered, named migrations: a ledger from before them gets the new ones once; one migrated by a newer kioskd is refused")
    func ledgerMigrations() async throws {
        let (hub, dir) = try syncStore("pg-migrations")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withLedgerDatabase { client in
            let logger = Logger(label: "test.ledger")
            // A ledger as kioskd left it before named migrations: its tables and version 1.
            try await client.query("CREATE TABLE ledger_schema (version INTEGER NOT NULL)", logger: logger)
            try await client.query("INSERT INTO ledger_schema (version) VALUES (1)", logger: logger)
            for statement in PostgresLedgerTestAccess.firstSchema { try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            let l = PostgresLedger(client: client, store: hub, storeID: "store-1", logger: logger)
            #expect(try await l.migrate() == ["v1-initial", "v2-store-last-push", "v3-transfers"])
            #expect(try await l.migrate().isEmpty, "each migration once")
            #expect(try await l.appliedMigrations() == ["v1-initial", "v2-store-last-push", "v3-transfers"])
            // A newer kioskd ran a migration this one does not know.
            try await client.query("INSERT INTO ledger_migration (name) VALUES ('v9-from-the-future')", logger: logger)
            await #expect(throws: LedgerError.self) { try await l.migrate() }
        }
    }

    @Test("changes made on the hub itself reach the ledger from its outbox; what devices pushed is not sent twice")
    func hubsOwnChanges() async throws {
        let (hub, hubDir) = try syncStore("pg-hub"), (device, deviceDir) = try syncStore("pg-counter")
        defer { for d in [hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let ledger = try await ledger(client, hub: hub)
            // Before the ledger: a receipt at the hub's own counter (history, queued when the outbox is enabled).
            try receive(hub, 2, device: "hub")
            try hub.outbox.enable()
            _ = try hub.workshop.open(WorkOrderDraft(ticketCode: "WO-H", plate: "粤B99999", vin: "LSVAU2180N2183294", customerPhone: "13700137000"), actor: "desk")
            try hub.workshop.transition("WO-H", to: .diagnosing, actor: "T1")
            #expect(try await ledger.takeOwnChanges(deviceID: "hub") == 5, "2 receipts, the opening, its check-in and the move")
            #expect(try await ledger.jobState("WO-H") == .diagnosing)
            #expect(try await ledger.stock() == [LedgerStock(partNumber: "P1", bin: "A-01", quantity: 2)])
            // A device's push, applied to the hub's store by the ledger, does not come back through the hub's outbox.
            try enrolDirect(hub, "counter")
            try device.outbox.enable()
            try receive(device, 3, device: "counter")
            _ = try await ledger.accept(PushRequest(deviceID: "counter", events: try device.outbox.pending()), from: "counter", at: Date())
            #expect(try hub.outbox.status().queueDepth == 0)
            #expect(try await ledger.takeOwnChanges(deviceID: "hub") == 0)
            #expect(try await ledger.stock() == [LedgerStock(partNumber: "P1", bin: "A-01", quantity: 5)])
            #expect(try onHand(hub) == 5)
            #expect(try await ledger.eventIDs(from: "hub").count == 5)
        }
    }

    @Test("with PostgreSQL unreachable the hub refuses the push with 503, and the device keeps every event")
    func ledgerUnreachable() async throws {
        let (hub, hubDir) = try syncStore("pg-down-hub"), (device, deviceDir) = try syncStore("pg-down-counter")
        defer { for d in [hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        // Nothing listens on this port.
        let nowhere = try LedgerLocation(url: "postgres://kioskd@127.0.0.1:9/kioskd")
        let client = PostgresClient(configuration: try nowhere.configuration(), backgroundLogger: Logger(label: "test.ledger"))
        let ledger = PostgresLedger(client: client, store: hub, storeID: "store-1", logger: Logger(label: "test.ledger"), deadline: .seconds(2))
        let code = try hub.hub.enrolmentCode(for: "counter", role: .store, actor: "t")
        try device.outbox.enable()
        try receive(device, 3, device: "counter")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await ledgerHubApp(hub, ledger).test(.live) { http in
                let sync = SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(http.port!)", deviceID: "counter",
                                                             tokenFile: deviceDir.appendingPathComponent("t").path), http: .shared)
                try await sync.enrol(code: code)
                let refusal = await #expect(throws: SyncError.self) { try await SyncService.drain(sync, database: device) }
                if case .refused(let status, _)? = refusal { #expect(status == 503) } else { Issue.record("not a 503: \(String(describing: refusal))") }
            }
            group.cancelAll()
        }
        #expect(try device.outbox.status().queueDepth == 3, "nothing is lost")
        #expect(try onHand(hub) == 0, "and nothing applied at the hub")
    }

    @Test("stocktakes and alerts from a device are kept in the ledger as readable facts, once each")
    func factsInTheLedger() async throws {
        let (hub, hubDir) = try syncStore("pg-facts-hub"), (device, deviceDir) = try syncStore("pg-facts-counter")
        defer { for d in [hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        try await withLedgerDatabase { client in
            let ledger = try await ledger(client, hub: hub)
            try enrolDirect(hub, "counter", as: .counter)
            try device.outbox.enable()
            try stocktakeAndAlerts(device)
            let events = try device.outbox.pending(limit: 100)
            _ = try await ledger.accept(PushRequest(deviceID: "counter", events: events), from: "counter", at: Date())
            _ = try await ledger.accept(PushRequest(deviceID: "counter", events: events), from: "counter", at: Date())
            let rows = try await client.query("""
                SELECT kind, count(*), max(body->'stocktake'->'stocktake'->>'status') FROM ledger_fact GROUP BY kind ORDER BY kind
                """)
            var found: [String] = []
            for try await (kind, n, status) in rows.decode((String, Int64, String?).self) { found.append("\(kind) \(n) \(status ?? "-")") }
            #expect(found == ["stock.alert 4 -", "stocktake.status 2 confirmed"])
            #expect(try count(hub, "SELECT COUNT(*) FROM hub_fact") == 6, "the hub's store has them too")
            #expect(try await ledger.stock() == [LedgerStock(partNumber: "P1", bin: "A-01", quantity: 12)])
        }
    }
}

/// The first ledger's tables, as a kioskd from before named migrations made them.
enum PostgresLedgerTestAccess {
    static let firstSchema = [
        "CREATE TABLE ledger_event (sequence BIGSERIAL PRIMARY KEY, store_id TEXT NOT NULL, event_id UUID NOT NULL UNIQUE, device_id TEXT NOT NULL, device_seq BIGINT NOT NULL, kind TEXT NOT NULL, hlc BIGINT NOT NULL, received_at TIMESTAMPTZ NOT NULL, outcome TEXT NOT NULL, body BYTEA NOT NULL)",
        "CREATE TABLE ledger_balance (store_id TEXT NOT NULL, part_number TEXT NOT NULL, bin TEXT NOT NULL, quantity BIGINT NOT NULL, PRIMARY KEY (store_id, part_number, bin))",
    ]
}
