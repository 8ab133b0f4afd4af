import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import Logging
import HummingbirdTesting
@testable import KioskCore
import KioskTestSupport
import Testing
@testable import KioskWeb
@testable import Sync

/// A store with the catalog every test device and the hub share.
func syncStore(_ name: String) throws -> (KioskDatabase, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-sync-\(name)-\(UUID().uuidString)")
    let database = try KioskDatabase.open(at: directory.appendingPathComponent("kioskd.sqlite").path)
    try database.catalog.save(Bin(code: "A-01"))
    try database.catalog.save(Part(partNumber: "P1", nameZh: "刹车片", nameEn: "Brake pad", defaultBin: "A-01"), barcodes: ["6901234567892"])
    return (database, directory)
}

/// A hub and two bays that all hold WO-7 in diagnosing (opened at the desk and pulled; here,
/// opened on each). Offline, bay 1 moved it to repairing and bay 2 to waiting approval.
/// Returns the stores, the bays' folders, their enrolment codes and every folder to remove.
func twoBaysInConflict(_ name: String) throws
    -> (hub: KioskDatabase, bay1: KioskDatabase, bay2: KioskDatabase, dir1: URL, dir2: URL, codes: [String], folders: [URL]) {
    let (hub, hubDir) = try syncStore("\(name)-hub"), (bay1, dir1) = try syncStore("\(name)-bay1"), (bay2, dir2) = try syncStore("\(name)-bay2")
    for db in [hub, bay1, bay2] {
        _ = try db.workshop.open(WorkOrderDraft(ticketCode: "WO-7", plate: "粤B77777", vin: "LSVAU2180N2183294", customerPhone: "1"), actor: "desk")
        try db.workshop.transition("WO-7", to: .diagnosing, actor: "desk")
    }
    // The hub checks each move's actor against its own staff list, and the proof of their PIN
    // the move carries: T1 and T2 sign in at their bays (here with the hub's own hash rows).
    try hub.workshop.save(Technician(badge: "T1", name: "王师傅"))
    try hub.workshop.save(Technician(badge: "T2", name: "李师傅"))
    try hub.workshop.setPIN(badge: "T1", pin: "1111", actor: "admin-test")
    try hub.workshop.setPIN(badge: "T2", pin: "2222", actor: "admin-test")
    for bay in [bay1, bay2] { for badge in ["T1", "T2"] { try bay.workshop.save(try #require(try hub.pool.read { try Technician.fetchOne($0, key: badge) })) } }
    let codes = [try hub.hub.enrolmentCode(for: "bay-1", role: .bay, bay: "BAY-1", actor: "t"), try hub.hub.enrolmentCode(for: "bay-2", role: .bay, bay: "BAY-2", actor: "t")]
    try outboxFromNow(bay1)
    try outboxFromNow(bay2)
    let t1 = try bay1.access.proofKey(token: try bay1.access.signIn(badge: "T1", pin: "1111").token)
    let t2 = try bay2.access.proofKey(token: try bay2.access.signIn(badge: "T2", pin: "2222").token)
    try bay1.workshop.transition("WO-7", to: .repairing, actor: "T1", proofKey: t1)
    try bay2.workshop.transition("WO-7", to: .waitingApproval, actor: "T2", proofKey: t2)
    return (hub, bay1, bay2, dir1, dir2, codes, [hubDir, dir1, dir2])
}

/// Enrols both bays of ``twoBaysInConflict(_:)`` with the hub on `port`, then sends bay 1's
/// outbox and after it bay 2's.
func syncBothBays(port: Int, bay1: KioskDatabase, dir1: URL, bay2: KioskDatabase, dir2: URL, codes: [String]) async throws {
    func sync(_ device: String, _ dir: URL) -> SyncClient {
        SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(port)", deviceID: device, tokenFile: dir.appendingPathComponent("sync-token").path), http: .shared)
    }
    try await sync("bay-1", dir1).enrol(code: codes[0])
    try await sync("bay-2", dir2).enrol(code: codes[1])
    try await SyncService.drain(sync("bay-1", dir1), database: bay1)
    try await SyncService.drain(sync("bay-2", dir2), database: bay2)
}

func hubApp(_ hub: KioskDatabase) -> some ApplicationProtocol {
    let env = WebEnvironment(database: hub, counter: Counter(database: hub, deviceID: "hub"), health: HealthBoard(), isHub: true)
    return Application(router: makeRouter(env), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

func receive(_ db: KioskDatabase, _ n: Int, device: String) throws {
    for _ in 0..<n {
        _ = try db.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 1, toBin: "A-01", deviceID: device, actor: "C1"))
    }
}

func onHand(_ db: KioskDatabase) throws -> Int { try db.stock.balances().reduce(0) { $0 + $1.quantity } }

func count(_ db: KioskDatabase, _ sql: String) throws -> Int { try db.pool.read { try Int.fetchOne($0, sql: sql) ?? -1 } }

func text(_ db: KioskDatabase, _ sql: String) throws -> String? { try db.pool.read { try String.fetchOne($0, sql: sql) } }

func deleteBarcode(_ db: KioskDatabase, _ code: String) throws {
    try db.pool.write { _ = try PartBarcode.deleteOne($0, key: code) }
}

/// Sync on from now, without queueing the history (the job reached the bay before).
func outboxFromNow(_ db: KioskDatabase) throws {
    try db.pool.write { try $0.execute(sql: "INSERT INTO kiosk_meta (name, value) VALUES ('sync_outbox', 'on')") }
}

@Suite("Sync: the outbox on a device")
struct OutboxTests {
    @Test("with sync on, every movement, work order and transition writes an outbox row in the same transaction, stamped in order")
    func outboxRows() throws {
        let (db, dir) = try syncStore("outbox")
        defer { try? FileManager.default.removeItem(at: dir) }
        try receive(db, 2, device: "c1")                       // before sync: queued as history on enable
        try db.outbox.enable()
        try receive(db, 1, device: "c1")
        _ = try db.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000"), actor: "desk")
        try db.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
        let events = try db.outbox.pending()
        #expect(events.map(\.kind.rawValue) == ["stock.movement", "stock.movement", "stock.movement", "job.opened", "job.transition", "job.transition"])
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.hlc < $1.hlc }, "stamps strictly increase")
        #expect(events[3].order?.customerPhone == "13800138000", "the sender opens the sealed phone for the trip")
        #expect(events.allSatisfy { $0.movement != nil || $0.order != nil || $0.transition != nil })
        #expect(try db.outbox.status().queueDepth == 6)
    }

    @Test("a clock that jumps back still stamps each new event after the last")
    func clockJumpsBack() throws {
        let (db, dir) = try syncStore("hlc")
        defer { try? FileManager.default.removeItem(at: dir) }
        try db.outbox.enable()
        // The last stamp is an hour ahead of the wall clock now (the clock was reset at boot).
        let ahead = HybridTimestamp.next(after: nil, now: Date().addingTimeInterval(3600))
        try db.pool.write { try $0.execute(sql: "INSERT INTO sync_outbox (eventID, kind, ref, hlc, createdAt) VALUES (randomblob(16), 'stock.movement', 'x', ?, ?)", arguments: [ahead.rawValue, Date()]) }
        try receive(db, 2, device: "c1")
        let stamps = try db.pool.read { try Int64.fetchAll($0, sql: "SELECT hlc FROM sync_outbox ORDER BY seq") }.map(HybridTimestamp.init(rawValue:))
        #expect(stamps == [ahead, HybridTimestamp(rawValue: ahead.rawValue + 1), HybridTimestamp(rawValue: ahead.rawValue + 2)])
        #expect(HybridTimestamp.next(after: ahead, now: Date()) > ahead)
    }
}

@Suite("Sync: device to hub over loopback HTTP")
struct PushTests {
    @Test("enrolment with a one-time code gives a token; a wrong, reused or revoked one is refused")
    func enrolment() async throws {
        let (hub, hubDir) = try syncStore("hub"), (device, deviceDir) = try syncStore("dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        try await hubApp(hub).test(.live) { client in
            let settings = SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "counter-1", tokenFile: deviceDir.appendingPathComponent("sync-token").path)
            let sync = try SyncClient(settings: settings)
            await #expect(throws: SyncError.self) { try await SyncClient(settings: SyncSettings(upstream: settings.upstream, deviceID: "counter-2", tokenFile: settings.tokenFile)).enrol(code: code) }
            await #expect(throws: SyncError.notEnrolled(tokenFile: settings.tokenFile)) { try await sync.push([]) }
            try await sync.enrol(code: code.lowercased())
            await #expect(throws: SyncError.self, "a code works once") { try await sync.enrol(code: code) }
            try device.outbox.enable()
            try receive(device, 3, device: "counter-1")
            #expect(try await SyncService.drain(sync, database: device) == 3)
            try hub.hub.revoke("counter-1", actor: "test")
            try receive(device, 1, device: "counter-1")
            do {
                _ = try await SyncService.drain(sync, database: device)
                Issue.record("a revoked device must be refused")
            } catch let error as SyncError {
                guard case .refused(401, _) = error else { Issue.record("\(error)"); return }
            }
            #expect(try device.outbox.status().lastError?.contains("401") == true)
            #expect(try device.outbox.status().queueDepth == 1, "the refused event waits")
        }
        #expect(try hub.audit.entries().map(\.action).contains(.deviceRevoked))
    }

    /// Waits until `condition` about `store` holds, woken by the store's `.sync` changes (or
    /// every 100 ms to count its bound); fails naming `what` after `seconds` of waiting (a
    /// ``WaitBudget``: time the pool kept this task from running is not counted).
    func until(_ store: KioskDatabase, _ what: String, seconds: Int = 20, _ condition: () throws -> Bool) async throws {
        var budget = WaitBudget(timeout: .seconds(seconds))
        while true {
            let seen = store.changes.version(of: [.sync])
            if try condition() { return }
            guard budget.look() else {
                Issue.record("not within \(budget.account): \(what)")
                throw CancellationError()
            }
            _ = await store.changes.waitForChange(of: [.sync], after: seen, timeout: budget.step)
        }
    }

    @Test("the sync service sends a movement as soon as it commits: the store's change wakes it, nothing polls the outbox")
    func serviceWakesOnCommit() async throws {
        let (hub, hubDir) = try syncStore("wake-hub"), (device, deviceDir) = try syncStore("wake-dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        try device.outbox.enable()
        try receive(device, 1, device: "counter-1")
        try await hubApp(hub).test(.live) { client in
            let sync = try SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "counter-1",
                                                             tokenFile: deviceDir.appendingPathComponent("sync-token").path))
            try await sync.enrol(code: code)
            // An hour between pulls, and no timer for the outbox: only a commit can wake the
            // service once it has sent what was waiting.
            let service = SyncService(client: sync, database: device, health: HealthBoard(), logger: Logger(label: "test.sync"), pullEvery: .seconds(3600))
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await until(hub, "the receipt made before the service started, sent in its first round") {
                try count(hub, "SELECT COUNT(*) FROM hub_event") == 1
            }
            try await until(device, "the device to hear that the hub has it") { try device.outbox.status().queueDepth == 0 }
            for n in 2...4 {
                try receive(device, 1, device: "counter-1")
                try await until(hub, "receipt \(n), made while the service waited, at the hub") {
                    try count(hub, "SELECT COUNT(*) FROM hub_event") == n
                }
            }
            running.cancel()
            _ = await running.result
        }
        #expect(try onHand(hub) == 4 && onHand(device) == 4)
    }

    @Test("with the hub gone, the sync loop waits on its clock after each failure: 0.5 s doubling to 30 s, each wait between half and all of it")
    func backoffOnManualClock() async throws {
        let (hub, hubDir) = try syncStore("backoff-hub"), (device, deviceDir) = try syncStore("backoff-dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        try device.outbox.enable()
        try receive(device, 1, device: "counter-1")
        let tokenFile = deviceDir.appendingPathComponent("sync-token").path
        let settings = { @Sendable (port: Int) in SyncSettings(upstream: "http://127.0.0.1:\(port)", deviceID: "counter-1", tokenFile: tokenFile) }
        let port = try await hubApp(hub).test(.live) { client in
            try await SyncClient(settings: settings(client.port!)).enrol(code: code)
            return client.port!
        }
        // The hub has stopped (its port is closed): every round fails. (AsyncHTTPClient tries
        // a refused connection again until its connect timeout, 10 s by default: 200 ms here.)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(timeout: .init(connect: .milliseconds(200))))
        let clock = ManualClock()
        let health = HealthBoard()
        let service = SyncService(client: SyncClient(settings: settings(port), http: http), database: device, health: health,
                                  logger: Logger(label: "test.sync"), clock: clock)
        let running = Task { try await service.run() }
        var waited: (any Error)?
        do {
            for failure in 1...8 {
                try await clock.waitForSleepers(what: "the sync loop's wait after failure \(failure)")
                let longest = Duration.milliseconds(Int(min(30.0, 0.5 * pow(2.0, Double(failure - 1))) * 1000))
                let waits = clock.pendingSleeps
                #expect(waits.count == 1 && waits[0] >= longest / 2 && waits[0] <= longest,
                        "after failure \(failure) the loop waits \(waits), between \(longest / 2) and \(longest)")
                #expect(health.faults["sync"]?.contains("(1 events waiting)") == true, "\(health.faults)")
                clock.advance(by: waits[0])
            }
        } catch {
            waited = error
        }
        // Stopped and its client shut down whatever happened (a client left running fails
        // the whole test process in its deinit, hiding what the test waited for).
        running.cancel()
        _ = await running.result
        try await http.shutdown()
        if let waited { throw waited }
        #expect(try device.outbox.status().queueDepth == 1, "the receipt still waits for the hub")
    }

    @Test("pushing the same events again stores each once; stock and job states agree on both sides")
    func exactlyOnce() async throws {
        let (hub, hubDir) = try syncStore("hub"), (device, deviceDir) = try syncStore("dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        // A store hub under head office: one device that sends stock and jobs alike.
        let code = try hub.hub.enrolmentCode(for: "desk", role: .store, actor: "test")
        try device.outbox.enable()
        try receive(device, 5, device: "desk")
        _ = try device.stock.record(MovementDraft(kind: .issue, partNumber: "P1", quantity: 2, fromBin: "A-01", workOrder: "WO-1", deviceID: "desk", actor: "C1"))
        _ = try device.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000", bay: "BAY-1"), actor: "desk")
        try device.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
        try device.workshop.transition("WO-1", to: .repairing, actor: "T1")
        try await hubApp(hub).test(.live) { client in
            let sync = try SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "desk",
                                                         tokenFile: deviceDir.appendingPathComponent("sync-token").path, batchSize: 4))
            try await sync.enrol(code: code)
            let events = try device.outbox.pending()
            // The first answer is lost: the same batch arrives twice.
            let first = try await sync.push(events).response
            let again = try await sync.push(events).response
            #expect(first.stored == events.count && again.stored == 0 && again.ackedSeq == first.ackedSeq)
            try device.outbox.acknowledge(again)
            #expect(try device.outbox.status().queueDepth == 0)
            // A week later the acknowledged events leave the outbox; new ones still go.
            #expect(try device.outbox.prune(at: Date().addingTimeInterval(8 * 86400)) == events.count)
            try receive(device, 1, device: "desk")
            #expect(try device.outbox.pending().count == 1 && device.outbox.prune() == 0)
            #expect(try await SyncService.drain(sync, database: device) == 1)
        }
        #expect(try count(hub, "SELECT COUNT(*) FROM hub_event") == 11)
        #expect(try onHand(hub) == 4 && onHand(device) == 4)
        #expect(try hub.workshop.order("WO-1").map { [$0.state.rawValue, $0.customerPhone, $0.vin] } == ["repairing", "13800138000", "LSVAU2180N2183294"])
        #expect(try hub.workshop.transitions(of: "WO-1").map(\.id) == device.workshop.transitions(of: "WO-1").map(\.id))
        // Times cross to the hub as the device stored them, to the millisecond (not whole seconds).
        let times = { (db: KioskDatabase) in try db.pool.read { try String.fetchAll($0, sql: "SELECT recordedAt FROM stock_movement ORDER BY key") } }
        #expect(try times(hub) == times(device))
        #expect(try times(hub).contains { !$0.hasSuffix(".000") }, "the test's movements have milliseconds")
        let moved = { (db: KioskDatabase) in try db.pool.read { try String.fetchAll($0, sql: "SELECT at FROM job_transition ORDER BY id") } }
        #expect(try moved(hub) == moved(device))
    }

    @Test("a bay pulls the catalog, technicians and the desk's work orders from the hub, resumes from its cursor, and removes what the hub deleted")
    func pull() async throws {
        let (hub, hubDir) = try syncStore("hub"), (desk, deskDir) = try syncStore("desk")
        let bayDir = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-sync-bay-\(UUID().uuidString)")
        let bay = try KioskDatabase.open(at: bayDir.appendingPathComponent("kioskd.sqlite").path)   // an empty new board
        defer { for d in [hubDir, deskDir, bayDir] { try? FileManager.default.removeItem(at: d) } }
        try hub.workshop.save(Technician(badge: "T1", name: "王师傅"))
        try hub.catalog.save(Part(partNumber: "P2", nameZh: "机油", nameEn: "Oil", defaultBin: "A-01"), barcodes: ["4006381333931"])
        let codes = [try hub.hub.enrolmentCode(for: "desk", role: .desk, actor: "t"), try hub.hub.enrolmentCode(for: "bay-1", role: .bay, bay: "BAY-1", actor: "t")]
        try desk.outbox.enable()
        _ = try desk.workshop.open(WorkOrderDraft(ticketCode: "WO-3", plate: "粤B33333", vin: "LSVAU2180N2183294", customerPhone: "13800138000", bay: "BAY-1"), actor: "desk")
        try await hubApp(hub).test(.live) { client in
            func sync(_ device: String, _ dir: URL) -> SyncClient {
                SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: device, tokenFile: dir.appendingPathComponent("sync-token").path), http: .shared)
            }
            try await sync("desk", deskDir).enrol(code: codes[0])
            try await sync("bay-1", bayDir).enrol(code: codes[1])
            try bay.outbox.enable()
            try await SyncService.drain(sync("desk", deskDir), database: desk)
            #expect(try await SyncService.pull(sync("bay-1", bayDir), database: bay) > 0)
            #expect(try bay.workshop.currentJob(atBay: "BAY-1").map { [$0.ticketCode, $0.customerPhone, $0.vin, $0.state.rawValue] } == ["WO-3", "", "", "checkedIn"],
                    "a bay gets the job, not the customer's phone or VIN")
            #expect(try bay.workshop.order("WO-3")?.publicToken.hasPrefix("withheld-") == true, "nor the phone-page link")
            #expect(try bay.catalog.barcodes(of: "P2").map(\.code) == ["04006381333931"])
            #expect(try bay.workshop.verifyPIN(badge: "T1", pin: "0000") == false, "the technician is known (no PIN set)")
            #expect(try bay.outbox.status().queueDepth == 0, "what was pulled is not pushed back")
            // The desk already has the bin and part: pulling updates them in place.
            #expect(try await SyncService.pull(sync("desk", deskDir), database: desk) > 0)
            #expect(try desk.catalog.part("P2")?.nameZh == "机油")
            #expect(try desk.workshop.order("WO-3").map { [$0.customerPhone, $0.vin] } == ["13800138000", "LSVAU2180N2183294"],
                    "the desk opens the sealed phone and VIN with its own key")
            // The job moves at the hub (another bay); the barcode is withdrawn.
            try hub.workshop.transition("WO-3", to: .diagnosing, actor: "T9")
            try deleteBarcode(hub, "04006381333931")
            #expect(try await SyncService.pull(sync("bay-1", bayDir), database: bay) == 2, "from the cursor: only the two changes")
            #expect(try bay.workshop.order("WO-3")?.state == .diagnosing)
            #expect(try bay.catalog.barcodes(of: "P2").isEmpty)
        }
    }

    @Test("a hub with its own upstream pushes what its devices sent on to head office, with the same ids")
    func hubToHeadOffice() async throws {
        let (office, officeDir) = try syncStore("office"), (hub, hubDir) = try syncStore("hub"), (device, deviceDir) = try syncStore("dev")
        defer { for d in [officeDir, hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        try device.outbox.enable()
        try hub.outbox.enable()
        try receive(device, 4, device: "counter")
        let codes = [try hub.hub.enrolmentCode(for: "counter", role: .counter, actor: "t"), try office.hub.enrolmentCode(for: "store-guangzhou", role: .store, actor: "t")]
        try await hubApp(hub).test(.live) { storeHub in
            try await hubApp(office).test(.live) { headOffice in
                let up = try SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(storeHub.port!)", deviceID: "counter", tokenFile: deviceDir.appendingPathComponent("t").path))
                let on = try SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(headOffice.port!)", deviceID: "store-guangzhou", tokenFile: hubDir.appendingPathComponent("t").path))
                try await up.enrol(code: codes[0])
                try await on.enrol(code: codes[1])
                #expect(try await SyncService.drain(up, database: device) == 4)
                #expect(try await SyncService.drain(on, database: hub) == 4)
            }
        }
        let keys = { (db: KioskDatabase) in try db.stock.movements().map(\.key).sorted { $0.uuidString < $1.uuidString } }
        #expect(try keys(office) == keys(device) && onHand(office) == 4)
    }

    @Test("two bays move the same job: the hub refuses the later move, and that bay takes the hub's state")
    func conflict() async throws {
        let (hub, bay1, bay2, dir1, dir2, codes, folders) = try twoBaysInConflict("sqlite")
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        try await hubApp(hub).test(.live) { client in
            try await syncBothBays(port: client.port!, bay1: bay1, dir1: dir1, bay2: bay2, dir2: dir2, codes: codes)
        }
        #expect(try hub.workshop.order("WO-7")?.state == .repairing)
        #expect(try bay2.workshop.order("WO-7")?.state == .repairing, "bay 2 converged to the hub")
        #expect(try bay2.outbox.status().lastRejection?.contains("WO-7") == true)
        #expect(try bay2.workshop.transitions(of: "WO-7").last?.actor == "hub")
        #expect(try bay2.outbox.status().queueDepth == 0, "the converging move is not sent back")
        // Both keep the time the job entered the state at the hub, to the millisecond.
        let since = { (db: KioskDatabase) in try db.pool.read { try String.fetchOne($0, sql: "SELECT stateSince FROM work_order WHERE ticketCode = 'WO-7'") } }
        #expect(try since(bay2) == since(hub))
        #expect(try since(bay1) == since(hub))
        let refusals = try bay2.outbox.status().refusals
        #expect(refusals.map(\.ticketCode) == ["WO-7"] && refusals.first?.hubState == .repairing, "\(refusals)")
    }

    @Test("a refusal is listed once even when the batch goes again, and also when the job is already in the hub's state; a pull brings the hub's stateSince to a job whose state already matches")
    func refusalsListedAndStateSinceConverges() throws {
        let (device, deviceDir) = try syncStore("refusals")
        defer { try? FileManager.default.removeItem(at: deviceDir) }
        let order = try device.workshop.open(WorkOrderDraft(ticketCode: "WO-9", plate: "粤B99999", vin: "LSVAU2180N2183294", customerPhone: "1"), actor: "desk")
        try device.workshop.transition("WO-9", to: .diagnosing, actor: "T1")
        let hubSince = Date(timeIntervalSince1970: 1_800_000_123.456)
        // The job is already in the hub's state here: the refusal is still listed, and the time converges.
        let refusal = RejectedEvent(id: UUID(), ticketCode: "WO-9", reason: "the job had moved on at the hub", hubState: .diagnosing, hubStateSince: hubSince)
        let answer = PushResponse(ackedSeq: 0, stored: 0, rejected: [refusal])
        try device.outbox.acknowledge(answer)
        try device.outbox.acknowledge(answer)   // the same batch answered again
        let status = try device.outbox.status()
        #expect(status.refusals.count == 1 && status.refusals.first?.summary == "WO-9: the job had moved on at the hub → diagnosing")
        #expect(status.lastRejection == "WO-9: the job had moved on at the hub → diagnosing")
        #expect(try device.workshop.order("WO-9").map { StoredDate.text($0.stateSince) } == StoredDate.text(hubSince))
        #expect(try device.workshop.transitions(of: "WO-9").last?.actor != "hub", "no transition when the state already matched")
        // A pulled job in the same state and bay but entered at another time takes the hub's time.
        let other = Date(timeIntervalSince1970: 1_800_000_999.5)
        try device.outbox.apply(PullResponse(changes: [PulledChange(seq: 1, entity: .order, key: "WO-9", deleted: false,
                                                                       order: PulledOrder(opened: OpenedOrder(order), state: .diagnosing, stateSince: other))],
                                             cursor: 1, more: false))
        #expect(try device.workshop.order("WO-9").map { StoredDate.text($0.stateSince) } == StoredDate.text(other))
    }
}

/// A store CA and a certificate for 127.0.0.1 signed by it, made with openssl in `directory`.
func makeStoreCertificates(in directory: URL) throws -> (ca: String, certificate: String, key: String) {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let script = """
        set -e
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=kioskd-test-store-ca -keyout ca.key -out ca.pem
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=hub -keyout hub.key -out hub.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > hub.ext
        openssl x509 -req -in hub.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile hub.ext -out hub.pem
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = directory
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw SyncError.badAnswer("openssl could not make the test certificates") }
    return (directory.appendingPathComponent("ca.pem").path, directory.appendingPathComponent("hub.pem").path, directory.appendingPathComponent("hub.key").path)
}

@Suite("Sync: an https upstream")
struct HTTPSUpstreamTests {
    @Test("a device syncs with an https hub through the store's CA ([sync] ca_file); without it the hub is refused and the events wait")
    func httpsUpstream() async throws {
        let (hub, hubDir) = try syncStore("tls-hub"), (device, deviceDir) = try syncStore("tls-counter")
        defer { for d in [hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        let pem = try makeStoreCertificates(in: hubDir.appendingPathComponent("tls"))
        let code = try hub.hub.enrolmentCode(for: "counter", role: .counter, actor: "t")
        let env = WebEnvironment(database: hub, counter: Counter(database: hub, deviceID: "hub"), health: HealthBoard(), isHub: true)
        let app = Application(router: makeRouter(env), server: try HTTPSServer.builder(certificateChain: pem.certificate, privateKey: pem.key),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let upstream = "https://127.0.0.1:\(client.port!)"
            let tokenFile = deviceDir.appendingPathComponent("t").path
            let trusting = try SyncClient(settings: SyncSettings(upstream: upstream, deviceID: "counter", tokenFile: tokenFile, caFile: pem.ca))
            var untrusting = try SyncClient(settings: SyncSettings(upstream: upstream, deviceID: "counter", tokenFile: tokenFile))
            untrusting.timeout = .seconds(2)     // the client retries a failed handshake until its deadline
            let refusal = await #expect(throws: SyncError.self, "the system's roots do not know the store's CA") { try await untrusting.enrol(code: code) }
            #expect(refusal.map { "\($0)".contains("CERTIFICATE_VERIFY_FAILED") } == true, "refused for the certificate, not anything else")
            try await trusting.enrol(code: code)
            try device.outbox.enable()
            try receive(device, 5, device: "counter")
            await #expect(throws: SyncError.self) { try await SyncService.drain(untrusting, database: device) }
            #expect(try device.outbox.status().queueDepth == 5, "nothing is lost while the hub is refused")
            #expect(try await SyncService.drain(trusting, database: device) == 5)
        }
        #expect(try onHand(hub) == 5)
        #expect(try device.outbox.status().queueDepth == 0)
        // A CA file that is not there is refused by name.
        #expect(throws: SyncError.badCertificate("/nonexistent/ca.pem", reason: "the file is missing or unreadable")) {
            try SyncClient(settings: SyncSettings(upstream: "https://127.0.0.1:1", deviceID: "x", tokenFile: "/tmp/x", caFile: "/nonexistent/ca.pem"))
        }
    }
}

/// On `db`: 10 received, a stocktake of A-01 counting 2 (closed, confirmed: −8), then 10 more.
/// The part has a safety stock of 3 and a reorder point of 5: two alerts raised, then cleared.
func stocktakeAndAlerts(_ db: KioskDatabase) throws {
    try db.catalog.save(Part(partNumber: "P1", nameZh: "刹车片", nameEn: "Brake pad", safetyStock: 3, reorderPoint: 5, defaultBin: "A-01"), barcodes: ["6901234567892"])
    _ = try db.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 10, toBin: "A-01", deviceID: "counter", actor: "C1"))
    let stocktake = try db.stocktakes.open(bin: "A-01", actor: "C1")
    try db.stocktakes.recordCount(stocktake: stocktake.id, partNumber: "P1", bin: "A-01", quantity: 2, deviceID: "counter", actor: "C1")
    _ = try db.stocktakes.close(stocktake.id)
    _ = try db.stocktakes.confirm(stocktake.id, deviceID: "counter", actor: "M1")
    _ = try db.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 10, toBin: "A-01", deviceID: "counter", actor: "C1"))
}

@Suite("Sync: stocktakes and alerts as facts")
struct FactTests {
    @Test("a stocktake closed and confirmed, and alerts raised and cleared, reach the hub once each, as they were")
    func factsReachTheHub() async throws {
        let (hub, hubDir) = try syncStore("facts-hub"), (device, deviceDir) = try syncStore("facts-counter")
        defer { for d in [hubDir, deviceDir] { try? FileManager.default.removeItem(at: d) } }
        let code = try hub.hub.enrolmentCode(for: "counter", role: .counter, actor: "t")
        try device.outbox.enable()
        try stocktakeAndAlerts(device)
        let events = try device.outbox.pending(limit: 100)
        #expect(events.filter { $0.kind == .stocktake }.compactMap { $0.stocktake?.stocktake.status } == [.closed, .confirmed])
        #expect(events.filter { $0.kind == .stockAlert }.compactMap { $0.alert?.change } == [.raised, .raised, .cleared, .cleared])
        #expect(events.first { $0.kind == .stocktake }?.stocktake?.lines.map(\.counted) == [2])
        try await hubApp(hub).test(.live) { client in
            let sync = SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "counter",
                                                         tokenFile: deviceDir.appendingPathComponent("t").path), http: .shared)
            try await sync.enrol(code: code)
            try await SyncService.drain(sync, database: device)
            _ = try await sync.push(events)              // delivered again
        }
        #expect(try count(hub, "SELECT COUNT(*) FROM hub_fact WHERE kind = 'stocktake.status'") == 2)
        #expect(try count(hub, "SELECT COUNT(*) FROM hub_fact WHERE kind = 'stock.alert'") == 4)
        #expect(try onHand(hub) == onHand(device))
        #expect(try onHand(hub) == 12)
        let body = try text(hub, "SELECT body FROM hub_fact WHERE kind = 'stocktake.status' ORDER BY rowid DESC LIMIT 1")
        let fact = try JSONDecoder().decode(SyncEvent.self, from: Data(try #require(body).utf8))
        #expect(fact.stocktake?.stocktake.status == .confirmed)
        #expect(fact.stocktake?.lines.first?.variance == -8)
    }
}
