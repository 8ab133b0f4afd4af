import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
@testable import KioskCore
import Testing
@testable import KioskWeb
@testable import Sync

@Suite("Sync: purchase orders from the hub, deliveries from the counters")
struct PurchaseOrderSyncTests {
    @Test("an order made at the hub reaches the counter boards (not the bays); a delivery closed at one counter reaches the hub and the other counter, and all three count the same; a forged delivery is refused")
    func orderAndDelivery() async throws {
        let (hub, hubDir) = try syncStore("po-hub"), (counter, counterDir) = try syncStore("po-counter")
        let (other, otherDir) = try syncStore("po-counter-2"), (bay, bayDir) = try syncStore("po-bay")
        defer { for d in [hubDir, counterDir, otherDir, bayDir] { try? FileManager.default.removeItem(at: d) } }
        _ = try hub.purchasing.create(number: "PO-9", supplier: "广汽配件", expectedOn: nil,
                                      lines: [OrderLine(partNumber: "P1", ordered: 5, unitPriceFen: 3500)], actor: "PM")
        try await hubApp(hub).test(.live) { http in
            func enrolled(_ name: String, _ db: KioskDatabase, _ dir: URL, _ role: DeviceRole) async throws -> SyncClient {
                let code = try hub.hub.enrolmentCode(for: name, role: role, bay: role == .bay ? "BAY-1" : nil, actor: "t")
                let sync = SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(http.port!)", deviceID: name,
                                                             tokenFile: dir.appendingPathComponent("token").path), http: .shared)
                try await sync.enrol(code: code)
                try db.outbox.enable()
                _ = try await SyncService.pull(sync, database: db)
                return sync
            }
            let sync = try await enrolled("counter-1", counter, counterDir, .counter)
            let sync2 = try await enrolled("counter-2", other, otherDir, .counter)
            _ = try await enrolled("bay-1", bay, bayDir, .bay)
            #expect(try counter.purchasing.order("PO-9")?.lines.first?.unitPriceFen == 3500)
            #expect(try bay.purchasing.order("PO-9") == nil, "a bay has no business with the supplier's prices")
            // The counter receives four of five, one of them damaged, and closes.
            try hub.webhooks.configure([WebhookEndpoint(name: "erp", url: "https://erp.example/kioskd", maxAttempts: 3, retryBase: .milliseconds(100))])
            let desk = Counter(database: counter, deviceID: "counter-1")
            for text in ["KD:CMD:RECEIVE", "KD:PO:PO-9", "KD:CMD:QTY:3", "6901234567892", "KD:CMD:DAMAGED", "6901234567892", "KD:CMD:CLOSE"] {
                #expect(try desk.handle(ScanEvent(source: "t", text: text)).accepted, "\(text)")
            }
            #expect(try await SyncService.drain(sync, database: counter) == 3, "two receipts and the delivery")
            #expect(try hub.purchasing.variance(of: "PO-9").map { [$0.received, $0.damaged] } == [[3, 1]], "the damaged one in the hub's quarantine too")
            #expect(try hub.stock.balances(partNumber: "P1").map(\.binCode) == ["A-01", Purchasing.quarantineBin])
            #expect(try count(hub, "SELECT COUNT(*) FROM upstream_event WHERE type = 'cn.kioskd.purchase.delivery_closed'") == 1,
                    "the hub tells its ERP of the delivery it learned")
            _ = try await SyncService.pull(sync2, database: other)
            #expect(try other.purchasing.variance(of: "PO-9").map(\.remaining) == [2], "the other counter knows two are still to come")
            // A delivery whose line names no receipt of the pushing board (500 that never came): not applied, nothing counted.
            let forgedID = UUID()
            var forged = SyncEvent(seq: 99, id: forgedID, kind: .delivery, hlc: HybridTimestamp(rawValue: 99))
            forged.delivery = DeliveryFact(delivery: Delivery(id: forgedID, orderNumber: "PO-9", sscc: nil, openedAt: Date(), openedBy: "C1",
                                                              deviceID: "counter-2", closedAt: Date()),
                                           lines: [DeliveryLine(movementKey: UUID(), deliveryID: forgedID, partNumber: "P1", quantity: 500, condition: .ordered)])
            _ = try await sync2.push([forged])
            #expect(try hub.purchasing.deliveries(of: "PO-9").count == 1 && hub.purchasing.variance(of: "PO-9").map(\.received) == [3])
            #expect(try text(hub, "SELECT outcome FROM hub_event WHERE kind = 'purchase.delivery' ORDER BY rowid DESC LIMIT 1")?.contains("is no receipt of counter-2") == true)
        }
    }
}
