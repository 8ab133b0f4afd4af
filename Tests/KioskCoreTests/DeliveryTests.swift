import Foundation
import GRDB
import Testing
@testable import KioskCore

/// Receiving a supplier's delivery against a purchase order at the counter, on a real SQLite store.
@Suite("Purchase orders: receiving a delivery against what was ordered")
struct DeliveryTests {
    /// A store with three parts on order from one supplier, and a fourth part in the catalogue.
    func store() throws -> (TemporaryStore, Counter) {
        let store = try TemporaryStore()
        try store.database.catalog.save(Part(partNumber: "45022-S84-A01", nameZh: "刹车片", nameEn: "Brake pad", defaultBin: "A-02"), barcodes: ["4006381333948"])
        try store.database.catalog.save(Part(partNumber: "90000-X", nameZh: "雨刮", nameEn: "Wiper", defaultBin: "A-02"), barcodes: [])
        _ = try store.database.purchasing.create(number: "PO-7", supplier: "广汽配件", expectedOn: "2026-12-05", lines: [
            OrderLine(partNumber: "15400-RTA-003", ordered: 10, unitPriceFen: 3500), OrderLine(partNumber: "08798-9036", ordered: 5),
            OrderLine(partNumber: "45022-S84-A01", ordered: 2),
        ], actor: "PM")
        return (store, Counter(database: store.database, deviceID: "counter-1"))
    }

    func scan(_ counter: Counter, _ texts: String...) throws -> ScanFeedback {
        var last: ScanFeedback?
        for text in texts { last = try counter.handle(ScanEvent(source: "test", text: text)) }
        return last!
    }

    func onHand(_ store: TemporaryStore, _ part: String, bin: String? = nil) throws -> Int {
        try store.database.stock.balances(partNumber: part, bin: bin).reduce(0) { $0 + $1.quantity }
    }

    @Test("an order of three parts, a delivery with one short, one extra and one damaged: stock, the open remainder and the variance are as they came")
    func shortExtraDamaged() throws {
        let (store, counter) = try store()
        let sscc = try SSCC.make(companyPrefix: "6912345", serial: 77)
        // The pallet's SSCC first, then the order's sheet: the delivery takes both.
        #expect(try scan(counter, "KD:CMD:RECEIVE", "]C100\(sscc)").message.contains("scan the purchase order"))
        let opened = try scan(counter, "KD:PO:PO-7")
        #expect(opened.accepted && opened.message.contains("广汽配件") && opened.message.contains("15400-RTA-003×10"), "\(opened.message)")
        // All ten filters, four of five oils (one short).
        #expect(try scan(counter, "KD:CMD:QTY:10", "6901234567892").accepted)
        // The oil has no default bin: the clerk is told to scan one.
        #expect(try scan(counter, "4006381333931").message.contains("scan a bin first"))
        #expect(try scan(counter, "KD:BIN:A-02", "KD:CMD:QTY:4", "4006381333931").message.contains("received 4 of 5, 1 to come"))
        // A brake pad came damaged: quarantine, not stock; the other one is fine.
        #expect(try scan(counter, "KD:CMD:DAMAGED", "4006381333948").message.contains("quarantine"))
        #expect(try scan(counter, "4006381333948").message.contains("on hand 1"), "the damaged one in quarantine is not stock")
        // A wiper nobody ordered: refused, then taken as extra.
        let notOrdered = try scan(counter, "90000-X")
        #expect(!notOrdered.accepted && notOrdered.outcome == .wrong && notOrdered.message.contains("not on order PO-7"), "\(notOrdered.message)")
        #expect(try scan(counter, "KD:CMD:EXTRA", "90000-X").accepted)
        let closed = try scan(counter, "KD:CMD:CLOSE")
        #expect(closed.accepted && closed.message.contains("3 lines differ"), "\(closed.message)")

        #expect(try onHand(store, "15400-RTA-003") == 10 && onHand(store, "08798-9036") == 4 && onHand(store, "90000-X") == 1)
        #expect(try onHand(store, "45022-S84-A01", bin: "A-02") == 1 && onHand(store, "45022-S84-A01", bin: Purchasing.quarantineBin) == 1)
        let variance = try store.database.purchasing.variance(of: "PO-7")
        #expect(variance.map { [$0.partNumber, "\($0.ordered)", "\($0.received)", "\($0.damaged)", "\($0.remaining)", "\($0.over)"] } == [
            ["15400-RTA-003", "10", "10", "0", "0", "0"], ["08798-9036", "5", "4", "0", "1", "0"],
            ["45022-S84-A01", "2", "1", "1", "1", "0"], ["90000-X", "0", "1", "0", "0", "1"]])
        #expect(try store.database.purchasing.order("PO-7")?.status == .open, "two lines remain")
        #expect(try store.database.purchasing.deliveries(of: "PO-7").map(\.sscc) == [sscc])

        // The damaged brake pad goes back to the supplier, out of quarantine, with its slip's reason; no more than is there.
        let returned = try store.database.purchasing.returnToSupplier(partNumber: "45022-S84-A01", quantity: 1, bin: nil, supplier: "广汽配件",
                                                                      order: "PO-7", reason: "包装破损 / box crushed", deviceID: "counter-1", actor: "C1")
        let leftInQuarantine = try onHand(store, "45022-S84-A01", bin: Purchasing.quarantineBin)
        #expect(returned.fromBin == Purchasing.quarantineBin && leftInQuarantine == 0)
        #expect(throws: StockError.self) {
            try store.database.purchasing.returnToSupplier(partNumber: "45022-S84-A01", quantity: 1, bin: nil, supplier: "广汽配件", order: nil,
                                                           reason: "again", deviceID: "counter-1", actor: "C1")
        }
        #expect(throws: StockError.reasonRequired) {
            try store.database.purchasing.returnToSupplier(partNumber: "15400-RTA-003", quantity: 1, bin: "A-01", supplier: "广汽配件", order: nil,
                                                           reason: " ", deviceID: "counter-1", actor: "C1")
        }
        // The same pallet again, on a new delivery: refused, with when it was received.
        _ = try scan(counter, "KD:PO:PO-7")
        let again = try scan(counter, "]C100\(sscc)")
        #expect(!again.accepted && again.message.contains("was received at"), "\(again.message)")
        // The rest comes: the order is complete.
        _ = try scan(counter, "4006381333931", "4006381333948")
        #expect(try scan(counter, "KD:CMD:CLOSE").message.contains("the order is complete"))
        #expect(try store.database.purchasing.order("PO-7")?.status == .received)
        let late = try scan(counter, "KD:PO:PO-7")
        // More than ordered is booked (the parts are here), and said.
        _ = try store.database.purchasing.create(number: "PO-OVER", supplier: "S", expectedOn: nil, lines: [OrderLine(partNumber: "90000-X", ordered: 1)], actor: "PM")
        let over = try scan(counter, "KD:PO:PO-OVER", "KD:CMD:QTY:2", "90000-X")
        #expect(over.accepted && over.message.contains("more than ordered by 1"), "\(over.message)")
        _ = try scan(counter, "KD:CMD:CLOSE")
        #expect(!late.accepted && late.outcome == .wrong, "\(late.message)")
    }

    @Test("the order's sheet scanned once and delivered again after the delivery closed is answered as before, not as a store failure")
    func redeliveredOrderSheet() throws {
        let (store, counter) = try store()
        let sheet = ScanEvent(source: "test", text: "KD:PO:PO-7")
        _ = try scan(counter, "KD:CMD:RECEIVE")
        let opened = try counter.handle(sheet)
        #expect(opened.accepted)
        _ = try scan(counter, "KD:CMD:QTY:2", "6901234567892", "KD:CMD:CLOSE")
        // The order is still open (partly received); the sheet's scan arrives a second time.
        let again = try counter.handle(sheet)
        #expect(again.duplicate && again.accepted && again.message == opened.message, "\(again.message)")
        let deliveries = try store.database.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM delivery") }
        #expect(deliveries == 1)
    }

    @Test("UNDO takes a receipt back out of the open delivery; after CLOSE nothing reaches into it; a mode change leaves the delivery open to rejoin")
    func undoAndRejoin() throws {
        let (store, counter) = try store()
        _ = try scan(counter, "KD:CMD:RECEIVE", "KD:PO:PO-7", "KD:CMD:QTY:3", "6901234567892")
        #expect(try scan(counter, "KD:CMD:UNDO").accepted)
        #expect(try store.database.purchasing.variance(of: "PO-7")[0].received == 0, "the undone receipt left the delivery")
        _ = try scan(counter, "KD:CMD:QTY:2", "6901234567892")
        // Issuing something in between: the delivery stays open, and the order's code rejoins it.
        _ = try scan(counter, "KD:CMD:ISSUE", "KD:CMD:RECEIVE")
        #expect(try scan(counter, "KD:PO:PO-7").message.contains("rejoined"))
        #expect(try store.database.purchasing.deliveries(of: "PO-7").count == 1)
        _ = try scan(counter, "KD:CMD:CLOSE")
        #expect(try scan(counter, "KD:CMD:UNDO").message.contains("nothing to undo"), "UNDO does not reach past the delivery")
        #expect(try onHand(store, "15400-RTA-003") == 2)
        // Outside a delivery, DAMAGED and EXTRA say what to do.
        #expect(try scan(counter, "KD:CMD:DAMAGED").message.contains("purchase order's code first"))
        // A pallet's SSCC, then a part without the order: the clerk is asked for the order; the part again is a plain receipt.
        let pallet = try SSCC.make(companyPrefix: "6912345", serial: 78)
        _ = try scan(counter, "KD:CMD:RECEIVE", "]C100\(pallet)")
        #expect(try scan(counter, "6901234567892").message.contains("scan its purchase order first"))
        #expect(try scan(counter, "6901234567892").accepted)
        // A second order's sheet while a delivery is open is refused; leaving the delivery says it stays open.
        _ = try store.database.purchasing.create(number: "PO-8", supplier: "别家", expectedOn: nil, lines: [OrderLine(partNumber: "90000-X", ordered: 1)], actor: "PM")
        _ = try scan(counter, "KD:PO:PO-7")
        let other = try scan(counter, "KD:PO:PO-8")
        #expect(!other.accepted && other.message.contains("still open here"), "\(other.message)")
        #expect(try scan(counter, "KD:CMD:ISSUE").message.contains("the delivery is still open"))
        // Damaged parts in quarantine are not issued.
        _ = try scan(counter, "KD:CMD:RECEIVE", "KD:PO:PO-7", "KD:CMD:DAMAGED", "6901234567892", "KD:CMD:CLOSE")
        try store.openWorkOrders("WO-1")
        let fromQuarantine = try scan(counter, "KD:CMD:ISSUE", "KD:WO:WO-1", "KD:BIN:\(Purchasing.quarantineBin)", "6901234567892")
        #expect(!fromQuarantine.accepted && fromQuarantine.message.contains("return them to the supplier"), "\(fromQuarantine.message)")
    }

    @Test("a purchase order is checked: known parts, each once, sensible quantities; the same order twice is one; another under its number is refused")
    func ordersAreChecked() throws {
        let (store, _) = try store()
        let book = store.database.purchasing
        for lines in [[OrderLine(partNumber: "NOPE", ordered: 1)], [OrderLine(partNumber: "90000-X", ordered: 0)],
                      [OrderLine(partNumber: "90000-X", ordered: 1), OrderLine(partNumber: "90000-X", ordered: 2)], []] {
            #expect(throws: (any Error).self, "\(lines)") { try book.create(number: "PO-BAD", supplier: "S", expectedOn: nil, lines: lines, actor: "PM") }
        }
        #expect(throws: PurchasingError.self) { try book.create(number: "PO 1", supplier: "S", expectedOn: nil, lines: [OrderLine(partNumber: "90000-X", ordered: 1)], actor: "PM") }
        #expect(throws: PurchasingError.self) { try book.create(number: "PO-2", supplier: "S", expectedOn: "2026-02-30", lines: [OrderLine(partNumber: "90000-X", ordered: 1)], actor: "PM") }
        let again = try book.create(number: "PO-7", supplier: "广汽配件", expectedOn: "2026-12-05", lines: [
            OrderLine(partNumber: "15400-RTA-003", ordered: 10, unitPriceFen: 3500), OrderLine(partNumber: "08798-9036", ordered: 5),
            OrderLine(partNumber: "45022-S84-A01", ordered: 2)], actor: "PM")
        #expect(again.number == "PO-7")
        #expect(throws: PurchasingError.orderExists("PO-7")) { try book.create(number: "PO-7", supplier: "别家", expectedOn: nil, lines: [OrderLine(partNumber: "90000-X", ordered: 1)], actor: "PM") }
        let numbered = try book.create(number: nil, supplier: "S", expectedOn: nil, lines: [OrderLine(partNumber: "90000-X", ordered: 1)], actor: "PM",
                                       at: Date(timeIntervalSince1970: 1_796_367_731))
        #expect(numbered.number.hasPrefix("PO-2026120") && numbered.number.hasSuffix("-1"), "\(numbered.number)")
        #expect(OrderLine(argument: "15400-RTA-003:10:68.50") == OrderLine(partNumber: "15400-RTA-003", ordered: 10, unitPriceFen: 6850))
        #expect(OrderLine(argument: "P1:x") == nil && OrderLine(argument: "P1") == nil)
    }

    @Test("a reorder suggestion appears when a part falls to its reorder point, in whole packs up to its target, and goes when an order covers it; confirmed, the order goes upstream")
    func reorderSuggestions() throws {
        let store = try TemporaryStore()
        let db = store.database
        try db.webhooks.configure([WebhookEndpoint(name: "erp", url: "https://erp.example/kioskd", maxAttempts: 3, retryBase: .milliseconds(100))])
        // 15400-RTA-003: reorder point 8; from 广汽配件 in boxes of 6, up to 20.
        try db.catalog.importParts(try PartsImport(header: ["part_number", "supplier", "pack_size", "reorder_target", "unit_cost"], records: [
            ["part_number": "15400-RTA-003", "supplier": "广汽配件", "pack_size": "6", "reorder_target": "20", "unit_cost": "35"]]))
        _ = try db.stock.record(MovementDraft(kind: .receive, partNumber: "15400-RTA-003", quantity: 12, toBin: "A-01", deviceID: "c", actor: "C1"))
        #expect(try db.purchasing.suggestions().isEmpty, "12 is above the reorder point")
        _ = try db.stock.record(MovementDraft(kind: .adjust, partNumber: "15400-RTA-003", quantity: 5, fromBin: "A-01", reason: "broken", deviceID: "c", actor: "C1"))
        let suggested = try #require(try db.purchasing.suggestions().first)
        // 7 on hand, target 20: 13 needed, three boxes of six.
        #expect([suggested.onHand, suggested.onOrder, suggested.quantity] == [7, 0, 18] && suggested.supplier == "广汽配件", "\(suggested)")
        let order = try #require(try db.purchasing.confirmSuggestions(for: "广汽配件", actor: "PM"))
        #expect(order.lines == [OrderLine(partNumber: "15400-RTA-003", ordered: 18, unitPriceFen: 3500)])
        #expect(try db.purchasing.suggestions().isEmpty, "what is on order counts")
        #expect(try db.purchasing.confirmSuggestions(for: "广汽配件", actor: "PM") == nil)
        let upstream = try db.pool.read { try String.fetchAll($0, sql: "SELECT type FROM upstream_event WHERE type LIKE 'cn.kioskd.purchase.%'") }
        #expect(upstream == ["cn.kioskd.purchase.order_created"])
    }
}
