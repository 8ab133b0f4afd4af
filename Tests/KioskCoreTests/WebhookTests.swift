import Foundation
import GRDB
import Testing
@testable import KioskCore

/// The store's events for its other systems, as written and kept for delivery.
@Suite("Webhooks: events for the store's other systems")
struct WebhookTests {
    let dms = WebhookEndpoint(name: "dms", url: "https://dms.example/kioskd", maxAttempts: 3, retryBase: .milliseconds(100))

    @Test("no endpoint, no events; with one, a job's moves and a pick-up notice are written in their own transactions, once each")
    func eventsFollowTheirFacts() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        _ = try ws.open(WorkOrderDraft(ticketCode: "WO-0", plate: "粤B00000", vin: "LSVAU2180N2183294", customerPhone: "1"), actor: "A1")
        #expect(try count(store, "SELECT COUNT(*) FROM upstream_event") == 0, "nothing recorded before an endpoint is configured")
        try store.database.webhooks.configure([dms])
        _ = try ws.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800000000", bay: "BAY-1"), actor: "A1")
        let id = UUID()
        for _ in 0..<2 { try ws.transition("WO-1", to: .diagnosing, actor: "T1", id: id) }
        for state in [JobState.repairing, .qualityCheck, .ready] { try ws.transition("WO-1", to: state, actor: "T1") }
        let types = try store.database.pool.read { try String.fetchAll($0, sql: "SELECT type FROM upstream_event ORDER BY seq") }
        #expect(types == ["cn.kioskd.job.opened", "cn.kioskd.job.state_changed", "cn.kioskd.job.state_changed", "cn.kioskd.job.state_changed",
                          "cn.kioskd.job.state_changed", "cn.kioskd.job.pickup_ready"])
        #expect(try count(store, "SELECT COUNT(*) FROM webhook_delivery WHERE endpoint = 'dms' AND state = 'pending'") == 6)
        let all = try store.database.pool.read { try String.fetchAll($0, sql: "SELECT data FROM upstream_event") }.joined()
        #expect(!all.contains("13800000000") && !all.contains("LSVAU2180N2183294"), "no phone or VIN upstream")
    }

    @Test("a carton shipped to a sister store is told when it leaves, and when it is received: once each, at either end")
    func cartonsBetweenStores() throws {
        let store = try TemporaryStore()
        let db = store.database
        try db.webhooks.configure([dms])
        _ = try db.stock.record(MovementDraft(kind: .receive, partNumber: "15400-RTA-003", quantity: 5, toBin: "A-01", deviceID: "hub", actor: "C1"))
        let out = try db.transfers.ship(sscc: try SSCC.make(companyPrefix: "6901234", serial: 1), from: "guangzhou",
                                        order: TransferOrder(partNumber: "15400-RTA-003", quantity: 2, toStore: "shenzhen", actor: "C1"), deviceID: "hub")
        // Coming here from a sister store, as the ledger told the hub; received at the counter.
        let incoming = StoreTransfer(sscc: try SSCC.make(companyPrefix: "6909999", serial: 7), fromStore: "shenzhen", toStore: "guangzhou", incoming: true,
                                     partNumber: "15400-RTA-003", quantity: 3, fromBin: "B-01", shippedAt: Date(), shippedBy: "C2", shipMovementKey: UUID())
        try db.transfers.learn([incoming])
        _ = try db.pool.write { try Transfers.receive(incoming.sscc, into: nil, key: UUID(), deviceID: "hub", actor: "C1", at: Date(), in: $0) }
        // Shenzhen received ours: the hub learns it (twice: told once).
        var theirs = out
        (theirs.receivedAt, theirs.receivedBy, theirs.toBin, theirs.receiveMovementKey) = (Date(), "C2", "B-02", UUID())
        try db.transfers.learn([theirs])
        try db.transfers.learn([theirs])
        let rows = try db.pool.read { try Row.fetchAll($0, sql: "SELECT id, type, data FROM upstream_event WHERE type LIKE '%transfer%' ORDER BY seq") }
        #expect(rows.map { $0["id"] as String } == ["transfer-\(out.sscc)-shipped", "transfer-\(incoming.sscc)-received", "transfer-\(out.sscc)-received"])
        #expect(rows.map { $0["type"] as String } == ["cn.kioskd.stock.transfer_shipped", "cn.kioskd.stock.transfer_received", "cn.kioskd.stock.transfer_received"])
        let received = try #require(try JSONSerialization.jsonObject(with: Data((rows[2]["data"] as String).utf8)) as? [String: Any])
        #expect(received["toStore"] as? String == "shenzhen" && received["toBin"] as? String == "B-02" && received["quantity"] as? Int == 2)
    }

    @Test("the CloudEvents envelope: required attributes, time in RFC 3339 with milliseconds, the data as an object")
    func envelope() throws {
        let event = UpstreamEvent(seq: 1, id: "job-move-ab", type: UpstreamEventType.jobStateChanged.rawValue, subject: "WO-1",
                                  time: Date(timeIntervalSince1970: 1_796_367_731.25), data: #"{"ticketCode":"WO-1","to":"repairing"}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: try event.cloudEvent(source: "/kioskd/hub-1")) as? [String: Any])
        #expect(object["specversion"] as? String == "1.0" && object["id"] as? String == "job-move-ab" && object["source"] as? String == "/kioskd/hub-1")
        #expect(object["type"] as? String == "cn.kioskd.job.state_changed" && object["subject"] as? String == "WO-1")
        #expect(object["time"] as? String == "2026-12-04T07:02:11.250Z" && object["datacontenttype"] as? String == "application/json")
        #expect((object["data"] as? [String: Any])?["to"] as? String == "repairing")
    }

    @Test("the signature: HMAC-SHA256 over \"<t>.<body>\" as Python computes it, refused when the body or secret changed or it is stale")
    func signature() {
        let body = Data(#"{"id":"x"}"#.utf8), secret = Data("Jefe".utf8), at = Date(timeIntervalSince1970: 1_800_000_000)
        let header = WebhookSignature.sign(body, secret: secret, at: at)
        #expect(header.hasPrefix("t=1800000000,v1=") && header.count == "t=1800000000,v1=".count + 64)
        #expect(WebhookSignature.verify(header, body: body, secret: secret, now: at.addingTimeInterval(60)))
        #expect(!WebhookSignature.verify(header, body: Data(#"{"id":"y"}"#.utf8), secret: secret, now: at), "a changed body")
        #expect(!WebhookSignature.verify(header, body: body, secret: Data("other".utf8), now: at), "another secret")
        #expect(!WebhookSignature.verify(header, body: body, secret: secret, now: at.addingTimeInterval(600)), "a replay ten minutes later")
        // The MAC itself, as Python's hmac module makes it for the same key and message.
        #expect(header == "t=1800000000,v1=da894bd44fc8cd6bb0cccd7a5b63b66ab17abefa64c9c66ce1de24dee4918dec")
    }

    @Test("back-off doubles from the endpoint's base to at most an hour; after the last try a delivery is dead until replayed, audited; an endpoint taken out drops its deliveries; old events are pruned")
    func retriesAndDeadLetters() throws {
        #expect(dms.delay(after: 1, jitter: 1) == .milliseconds(100) && dms.delay(after: 4, jitter: 1) == .milliseconds(800))
        #expect(WebhookEndpoint(name: "x", url: "https://x").delay(after: 40, jitter: 1) == .seconds(3600))
        let store = try TemporaryStore()
        try store.database.webhooks.configure([dms])
        _ = try store.database.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "1"), actor: "A1")
        let webhooks = store.database.webhooks
        var now = Date()
        for attempt in 1...3 {
            let due = try #require(try webhooks.due(at: now.addingTimeInterval(10)).first)
            #expect(due.attempts == attempt - 1)
            #expect(try webhooks.failed(due, error: "HTTP 503", endpoint: dms, at: now) == (attempt == 3))
            now = now.addingTimeInterval(1)
        }
        #expect(try webhooks.due(at: now.addingTimeInterval(3600)).isEmpty)
        #expect(try webhooks.dead().map { [$0.eventID.hasPrefix("job-move-") ? "job-move" : $0.eventID, "\($0.attempts)", $0.lastError ?? ""] } == [["job-move", "3", "HTTP 503"]])
        #expect(try webhooks.status().map { [$0.pending, $0.delivered, $0.dead] } == [[0, 0, 1]])
        #expect(try webhooks.replay(eventIDs: ["nope"], actor: "M1") == 0)
        #expect(try webhooks.replay(actor: "M1", at: now) == 1)
        let again = try #require(try webhooks.due(at: now).first)
        try webhooks.delivered(again)
        #expect(try webhooks.status().map { [$0.pending, $0.delivered, $0.dead] } == [[0, 1, 0]])
        #expect(try count(store, "SELECT COUNT(*) FROM audit_log WHERE action = 'webhooks.replayed'") == 2)
        // An endpoint removed from the config takes its deliveries with it, and nothing more is recorded.
        try webhooks.configure([])
        try store.database.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
        #expect(try count(store, "SELECT COUNT(*) FROM webhook_delivery") == 0 && count(store, "SELECT COUNT(*) FROM upstream_event") == 1)
        #expect(try webhooks.nextDue() == nil)
        // Delivered events leave after 30 days (the dead-letter list stays).
        #expect(try webhooks.prune(at: now.addingTimeInterval(31 * 86400)) == 1)
        #expect(throws: WebhookError.self) { try webhooks.replay(eventIDs: ["a\nb"], actor: "M1") }
        #expect(throws: WebhookError.self) { try webhooks.replay(eventIDs: Array(repeating: "x", count: 1001), actor: "M1") }
    }

    func count(_ store: TemporaryStore, _ sql: String) throws -> Int { try store.database.pool.read { try Int.fetchOne($0, sql: sql) ?? -1 } }
}
