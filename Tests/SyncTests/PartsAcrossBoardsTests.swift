import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
@testable import KioskCore
import Testing
@testable import Sync

/// Three boards over loopback HTTP: the hub, the bay that waits for parts and the counter
/// that receives them (issue 19 §1). What each holds is read from its own SQLite file.
@Suite("Sync: a bay's parts request, the counter's receipt and the job's move across boards")
struct PartsAcrossBoardsTests {
    /// The hub with T1 (PIN 2468), the oil filter P2 beside the brake pad P1, WO-1 open for
    /// BAY-1, and a bay and a counter enrolled. Returns the stores, their folders and codes.
    func store() throws -> (hub: KioskDatabase, bay: KioskDatabase, counter: KioskDatabase, folders: [URL], codes: [String]) {
        let (hub, hubDir) = try syncStore("parts-hub"), (bay, bayDir) = try syncStore("parts-bay"), (counter, counterDir) = try syncStore("parts-counter")
        try hub.catalog.save(Part(partNumber: "P2", nameZh: "机油滤清器", nameEn: "Oil filter", defaultBin: "A-01"), barcodes: ["4006381333931"])
        try hub.workshop.save(Technician(badge: "T1", name: "王师傅"))
        try hub.workshop.setPIN(badge: "T1", pin: "2468", actor: "admin-test")
        _ = try hub.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000", bay: "BAY-1"), actor: "SA")
        try hub.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
        let codes = [try hub.hub.enrolmentCode(for: "bay-1", role: .bay, bay: "BAY-1", actor: "t"), try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "t")]
        try bay.outbox.enable()
        try counter.outbox.enable()
        return (hub, bay, counter, [hubDir, bayDir, counterDir], codes)
    }

    func client(_ port: Int, _ device: String, _ db: KioskDatabase) -> SyncClient {
        let folder = URL(fileURLWithPath: db.path).deletingLastPathComponent()
        return SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(port)", deviceID: device, tokenFile: folder.appendingPathComponent("sync-token").path), http: .shared)
    }

    func request(_ db: KioskDatabase) throws -> PartsRequest? { try db.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") } }

    func events(_ db: KioskDatabase) throws -> [String] {
        try db.pool.read { try String.fetchAll($0, sql: "SELECT kind || ' ' || hex(id) FROM workshop_event ORDER BY kind, id") }
    }

    @Test("a bay asks for two parts; the counter receives one (nothing moves), then the other: the hub moves the job to repairing and the bay pulls it; issuing both closes the request on every board, each event stored once under one id")
    func partsAcrossBoards() async throws {
        let (hub, bay, counter, folders, codes) = try store()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        try await hubApp(hub).test(.live) { http in
            let (bayClient, counterClient) = (client(http.port!, "bay-1", bay), client(http.port!, "counter-1", counter))
            try await bayClient.enrol(code: codes[0])
            try await counterClient.enrol(code: codes[1])
            #expect(try await SyncService.pull(bayClient, database: bay) > 0)
            #expect(try await SyncService.pull(counterClient, database: counter) > 0)

            // At the bay, T1 signs in with the PIN and the job waits for one brake pad and one filter.
            let session = try bay.access.signIn(badge: "T1", pin: "2468")
            try bay.workshop.transition("WO-1", to: .waitingParts, actor: "T1",
                                        parts: [RequestedPart(partNumber: "P1", quantity: 1), RequestedPart(partNumber: "P2", quantity: 1)],
                                        proofKey: try bay.access.proofKey(token: session.token))
            #expect(try await SyncService.drain(bayClient, database: bay) == 2, "the move and the request")
            #expect(try hub.workshop.order("WO-1")?.state == .waitingParts)
            let asked = try #require(try request(hub))
            #expect(try asked == #require(try request(bay)), "the hub holds the bay's request as it was raised")

            // The counter learns of it by pulling, and receives the brake pad: nothing moves.
            #expect(try await SyncService.pull(counterClient, database: counter) > 0)
            #expect(try request(counter)?.id == asked.id)
            let desk = Counter(database: counter, deviceID: "counter-1")
            let first = try desk.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892").last!
            #expect(first.accepted && !first.message.contains("送往"), "\(first.message)")
            try await SyncService.drain(counterClient, database: counter)
            #expect(try request(hub)?.arrivedAt == nil && hub.workshop.order("WO-1")?.state == .waitingParts)

            // The filter: the counter tells the clerk where it goes; the hub moves the job.
            let second = try desk.scan("4006381333931").last!
            #expect(second.message.contains("送往 BAY-1（WO-1）"), "\(second.message)")
            #expect(try counter.workshop.order("WO-1")?.state == .waitingParts, "a counter that syncs leaves the move to its hub")
            try await SyncService.drain(counterClient, database: counter)
            #expect(try request(hub)?.arrivedAt != nil)
            let moved = try #require(try hub.workshop.transitions(of: "WO-1").last)
            #expect(moved.fromState == .waitingParts && moved.toState == .repairing, "\(moved)")
            #expect(try await SyncService.pull(bayClient, database: bay) > 0)
            #expect(try bay.workshop.currentJob(atBay: "BAY-1")?.state == .repairing)
            #expect(try request(bay)?.arrivedAt != nil)
            #expect(try bay.outbox.status().queueDepth == 0, "what the bay pulled is not pushed back")

            // Both issued to WO-1 at the counter: the request closes at the hub, and on the bay by pull.
            let issued = try desk.scan("KD:CMD:ISSUE", "KD:WO:WO-1", "KD:BIN:A-01", "6901234567892", "4006381333931")
            #expect(issued.allSatisfy { $0.accepted }, "\(issued.map(\.message))")
            try await SyncService.drain(counterClient, database: counter)
            #expect(try request(hub)?.clearedAt != nil && request(counter)?.clearedAt != nil)
            _ = try await SyncService.pull(bayClient, database: bay)
            _ = try await SyncService.pull(counterClient, database: counter)
            #expect(try request(bay)?.clearedAt != nil)
            #expect(try hub.workshop.order("WO-1")?.state == .repairing)
        }
        let atHub = try events(hub)
        #expect(atHub.map { $0.split(separator: " ")[0] } == ["partsArrived", "partsRequestCleared", "partsRequested"], "\(atHub)")
        #expect(try events(bay) == atHub && events(counter) == atHub, "one id per event on every board")
        #expect(try onHand(hub) == 0 && onHand(counter) == 0)
    }

    @Test("a quote made at the hub and the customer's answer there reach the bay and the counter by pull; the bay's page shows them, and the job's move")
    func quotesReachTheBoards() async throws {
        let (hub, bay, counter, folders, codes) = try store()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        _ = try hub.hub.enrol(deviceID: "bay-1", code: codes[0])
        _ = try hub.hub.enrol(deviceID: "counter-1", code: codes[1])
        func pull(_ db: KioskDatabase, _ device: String) throws {
            try db.outbox.apply(try hub.hub.changes(after: try db.outbox.pullCursor(), for: device))
        }
        try pull(bay, "bay-1")
        let quote = try hub.workshop.quote("WO-1", lines: [QuoteLine(item: "更换前刹车片", amountFen: 68_000)], actor: "A1")
        try pull(bay, "bay-1")
        try pull(counter, "counter-1")
        #expect(try await bay.workshop.bayView("BAY-1").job.map { [$0.state.rawValue, $0.quote?.total ?? "-", $0.quote?.awaitingAnswer == true ? "open" : "-"] }
                == ["waitingApproval", "¥680.00", "open"])
        let link = try #require(try hub.workshop.order("WO-1")?.publicToken)
        try hub.workshop.answerQuote(publicToken: link, quote: quote.id, answer: .approve)
        try pull(bay, "bay-1")
        try pull(counter, "counter-1")
        let job = try #require(try await bay.workshop.bayView("BAY-1").job)
        #expect(job.state == .repairing && job.quote?.decision == .approved)
        #expect(try await Counter(database: counter, deviceID: "counter-1").view().quotes.map(\.quote.decision) == [.approved])
        for board in [bay, counter] {
            #expect(try text(board, "SELECT decidedVia FROM job_quote") == "phone link",
                    "the customer's link stays at the hub")
        }
    }

    /// Enrols the bay and the counter in process and brings both up to date with the hub.
    func enrolled() throws -> (hub: KioskDatabase, bay: KioskDatabase, counter: KioskDatabase, folders: [URL]) {
        let (hub, bay, counter, folders, codes) = try store()
        _ = try hub.hub.enrol(deviceID: "bay-1", code: codes[0])
        _ = try hub.hub.enrol(deviceID: "counter-1", code: codes[1])
        try bay.outbox.setDeviceKey(try #require(try hub.hub.grant("bay-1")?.key))
        try counter.outbox.setDeviceKey(try #require(try hub.hub.grant("counter-1")?.key))
        try pull(bay, "bay-1", from: hub)
        try pull(counter, "counter-1", from: hub)
        return (hub, bay, counter, folders)
    }

    func pull(_ db: KioskDatabase, _ device: String, from hub: KioskDatabase, limit: Int = 1000,
              understood: Set<PulledChange.Entity> = Set(PulledChange.Entity.allCases)) throws {
        while true {
            let page = try hub.hub.changes(after: try db.outbox.pullCursor(), limit: limit, for: device, understood: understood)
            try db.outbox.apply(page)
            if !page.more { return }
        }
    }

    func push(_ db: KioskDatabase, _ device: String, to hub: KioskDatabase) throws -> PushResponse {
        let answer = try hub.hub.accept(PushRequest(deviceID: device, events: try db.outbox.pending()), from: device)
        try db.outbox.acknowledge(answer)
        return answer
    }

    /// T1 signs in at the bay with the PIN and puts WO-1 in waiting-parts for `parts`; the bay pushes both to the hub.
    func waitForParts(_ parts: [RequestedPart], bay: KioskDatabase, hub: KioskDatabase) throws {
        let session = try bay.access.signIn(badge: "T1", pin: "2468")
        try bay.workshop.transition("WO-1", to: .waitingParts, actor: "T1", parts: parts, proofKey: try bay.access.proofKey(token: session.token))
        _ = try push(bay, "bay-1", to: hub)
    }

    @Test("the hub takes a request's bay from the job and its time within the job's life (a board cannot jump the queue or divert the parts); a request that arrives late is met at once by stock already in")
    func whatTheHubMakesOfARequest() throws {
        let (hub, bay, counter, folders) = try enrolled()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        // The filter came in while the bay was offline.
        _ = try Counter(database: counter, deviceID: "counter-1").scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "4006381333931")
        _ = try push(counter, "counter-1", to: hub)
        let session = try bay.access.signIn(badge: "T1", pin: "2468")
        try bay.workshop.transition("WO-1", to: .waitingParts, actor: "T1", parts: [RequestedPart(partNumber: "P2", quantity: 1)],
                                    proofKey: try bay.access.proofKey(token: session.token))
        var events = try bay.outbox.pending()
        let index = try #require(events.firstIndex { $0.kind == .partsRequest })
        events[index].partsRequest?.bay = "BAY-X"
        events[index].partsRequest?.raisedAt = Date(timeIntervalSince1970: 946_684_800)   // 2000-01-01: first in every queue
        let answer = try hub.hub.accept(PushRequest(deviceID: "bay-1", events: events), from: "bay-1")
        #expect(answer.rejected.isEmpty && answer.stored == 2)
        let request = try #require(try hub.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") })
        let opened = try #require(try hub.workshop.order("WO-1")).openedAt
        #expect(request.bay == "BAY-1" && request.raisedAt >= opened.addingTimeInterval(-0.001))
        #expect(try request.arrivedAt != nil && hub.workshop.order("WO-1")?.state == .repairing, "the filter was already on the shelf")
    }

    @Test("a board from before pulls nothing it cannot read, and its cursor moves on; a new board pulling from the start in small pages gets each job before what belongs to it")
    func oldAndNewBoardsPull() throws {
        let (hub, bay, counter, folders) = try enrolled()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        try waitForParts([RequestedPart(partNumber: "P1", quantity: 1)], bay: bay, hub: hub)
        // The job changes after its request: its change now comes later in the stream.
        try hub.workshop.transition("WO-1", to: .diagnosing, actor: "T1")

        let old = try hub.hub.changes(after: 0, limit: 1000, for: "counter-1", understood: PulledChange.Entity.understoodByEveryBoard)
        #expect(!old.changes.contains { [.partsRequest, .workshopEvent, .quote].contains($0.entity) })
        #expect(old.cursor == (try hub.hub.changes(after: 0, limit: 1000, for: "counter-1").cursor), "the cursor moves past what was left out")
        #expect(PulledChange.Entity.understood(from: nil) == PulledChange.Entity.understoodByEveryBoard)
        #expect(PulledChange.Entity.understood(from: "partsRequest, bogus") == PulledChange.Entity.understoodByEveryBoard.union([.partsRequest]))

        let (fresh, freshDir) = try syncStore("parts-fresh-counter")
        defer { try? FileManager.default.removeItem(at: freshDir) }
        _ = try hub.hub.enrol(deviceID: "counter-2", code: try hub.hub.enrolmentCode(for: "counter-2", role: .counter, actor: "t"))
        try pull(fresh, "counter-2", from: hub, limit: 2)
        #expect(try fresh.workshop.order("WO-1")?.state == .diagnosing)
        #expect(try request(fresh)?.ticketCode == "WO-1")
        #expect(try count(fresh, "SELECT COUNT(*) FROM workshop_event") == count(hub, "SELECT COUNT(*) FROM workshop_event"))
    }

    @Test("a counter that issued on its own stock keeps its word while its movement waits, takes the hub's once through, and the hub's closing always")
    func countersConvergeOnTheHub() throws {
        let (hub, bay, counter, folders) = try enrolled()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        try waitForParts([RequestedPart(partNumber: "P1", quantity: 1)], bay: bay, hub: hub)
        try pull(counter, "counter-1", from: hub)
        let desk = Counter(database: counter, deviceID: "counter-1")
        _ = try desk.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892")
        #expect(try request(counter)?.arrivedAt != nil, "the counter shows the arrival at once")
        // A pull before the receipt reaches the hub keeps what the counter saw.
        try hub.workshop.save(Technician(badge: "T9", name: "新技师"))
        try pull(counter, "counter-1", from: hub)
        #expect(try request(counter)?.arrivedAt != nil)
        // The receipt goes through; the hub's word comes back and stands.
        _ = try push(counter, "counter-1", to: hub)
        try pull(counter, "counter-1", from: hub)
        #expect(try request(counter) == request(hub))
        // The desk closes the job at the hub while the counter has a movement of the part pending: closed everywhere.
        _ = try desk.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892")
        try hub.workshop.transition("WO-1", to: .cancelled, actor: "A1", reason: "客户取消")
        try pull(counter, "counter-1", from: hub)
        #expect(try request(counter)?.clearedAt != nil, "the hub's closing stands at once")
        #expect(try count(counter, "SELECT COUNT(*) FROM workshop_event WHERE kind = 'partsArrived'") == 1, "the hub's arrival only, under its id")
    }

    @Test("a call for help under a derived id is refused: it cannot take the place of an event every store derives")
    func callForHelpUnderADerivedID() throws {
        let (hub, bay, _, folders) = try enrolled()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        _ = try bay.workshop.press("help", kind: .short, bay: "BAY-1")
        var events = try bay.outbox.pending()
        let derived = WorkshopEvent.derivedID(.partsRequestCleared, of: UUID())
        events[0].id = derived
        events[0].workshopEvent?.id = derived
        #expect(try hub.hub.accept(PushRequest(deviceID: "bay-1", events: events), from: "bay-1").stored == 1)
        #expect(try text(hub, "SELECT outcome FROM hub_event")?.contains("random id") == true)
        #expect(try count(hub, "SELECT COUNT(*) FROM workshop_event WHERE kind = 'callForHelp'") == 0)
    }

    @Test("a bay's call for help reaches the hub; an arrival or pick-up notice sent by a bay, a request for 21 parts, for a part number of 200 bytes or for none of a part, are refused and change nothing")
    func whatABayMaySend() throws {
        let (hub, bay, _, folders, codes) = try store()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        _ = try hub.hub.enrol(deviceID: "bay-1", code: codes[0])
        try bay.outbox.apply(try hub.hub.changes(after: 0, for: "bay-1"))
        let press = try bay.workshop.press("help", kind: .short, bay: "BAY-1")
        #expect(press.accepted, "\(press.message)")
        let help = try bay.outbox.pending()
        #expect(help.map(\.kind) == [.workshopEvent])
        #expect(try hub.hub.accept(PushRequest(deviceID: "bay-1", events: help), from: "bay-1").stored == 1)
        #expect(try hub.pool.read { try String.fetchAll($0, sql: "SELECT kind FROM workshop_event") }.contains("callForHelp"))

        let before = try events(hub)
        var forged: [SyncEvent] = []
        var notice = help[0]
        notice.id = UUID()
        notice.seq += 1
        notice.workshopEvent = WorkshopEvent(id: notice.id, kind: .pickupNotice, ticketCode: "WO-1", at: Date())
        forged.append(notice)
        for parts in [Array(repeating: RequestedPart(partNumber: "P1", quantity: 1), count: 21), [RequestedPart(partNumber: String(repeating: "8", count: 200), quantity: 1)], [RequestedPart(partNumber: "P1", quantity: 0)]] {
            var event = help[0]
            event.id = UUID()
            event.seq = help[0].seq + 1 + Int64(forged.count)
            event.kind = .partsRequest
            event.workshopEvent = nil
            event.partsRequest = PartsRequest(id: event.id, ticketCode: "WO-1", bay: "BAY-1", parts: parts, raisedAt: Date(), clearedAt: nil)
            forged.append(event)
        }
        let answer = try hub.hub.accept(PushRequest(deviceID: "bay-1", events: forged), from: "bay-1")
        #expect(answer.rejected.isEmpty, "nothing to take back: the bay's own state is not at stake")
        let outcomes = try hub.pool.read { try String.fetchAll($0, sql: "SELECT outcome FROM hub_event WHERE deviceSeq > ? ORDER BY deviceSeq", arguments: [help[0].seq]) }
        #expect(outcomes.count == 4 && outcomes.allSatisfy { $0.hasPrefix("not applied: refused") }, "\(outcomes)")
        #expect(outcomes[0].contains("derives pickupNotice") && outcomes[1].contains("at most 20 parts") && outcomes[2].contains("1 to 64 bytes"), "\(outcomes)")
        #expect(try events(hub) == before && request(hub) == nil)
    }
}

extension Counter {
    /// Scans each text in order, as a clerk would, and returns the feedback of each.
    func scan(_ texts: String...) throws -> [ScanFeedback] {
        try texts.map { try handle(ScanEvent(source: "test", text: $0)) }
    }
}
