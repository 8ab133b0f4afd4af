import Foundation
import Testing
@testable import KioskCore

@Suite("Stocktakes")
struct StocktakeTests {
    @Test("a bin count gives expected vs counted per part, and confirming posts the adjustments")
    func binCount() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 10, to: "A-01"))
        _ = try store.database.stock.record(store.draft(.receive, 3, part: "08798-9036", to: "A-01"))
        _ = try store.database.stock.record(store.draft(.receive, 4, to: "A-02"))
        let book = store.database.stocktakes
        let count = try book.open(bin: "A-01", actor: "tester")
        try book.recordCount(stocktake: count.id, partNumber: "15400-RTA-003", bin: "A-01", quantity: 8, deviceID: "d", actor: "t")
        try book.recordCount(stocktake: count.id, partNumber: "15400-RTA-003", bin: "A-01", quantity: 1, deviceID: "d", actor: "t")
        try book.recordCount(stocktake: count.id, partNumber: "08798-9036", bin: "A-01", quantity: 3, deviceID: "d", actor: "t")
        #expect(throws: StocktakeError.binOutsideScope(bin: "A-02", scope: "库位 A-01")) {
            try book.recordCount(stocktake: count.id, partNumber: "15400-RTA-003", bin: "A-02", quantity: 1, deviceID: "d", actor: "t")
        }
        let report = try book.close(count.id)
        #expect(report.map { "\($0.partNumber) \($0.expected) \($0.counted) \($0.variance)" }
                == ["08798-9036 3 3 0", "15400-RTA-003 10 9 -1"])
        let adjustments = try book.confirm(count.id, deviceID: "d", actor: "t")
        #expect(adjustments.count == 1)
        #expect(adjustments.first?.kind == .count && adjustments.first?.fromBin == "A-01" && adjustments.first?.quantity == 1)
        #expect(try store.database.stock.balances(bin: "A-01").first { $0.partNumber == "15400-RTA-003" }?.quantity == 9)
        #expect(try store.database.stock.balances(bin: "A-02").first?.quantity == 4, "A-02 was outside the count")
        #expect(throws: StocktakeError.notClosed(count.id, status: .confirmed)) { try book.confirm(count.id, deviceID: "d", actor: "t") }
    }

    @Test("a whole-store count treats bins not counted as empty, and finds surpluses")
    func wholeStore() throws {
        let store = try TemporaryStore()
        _ = try store.database.stock.record(store.draft(.receive, 2, to: "A-02"))
        let book = store.database.stocktakes
        let count = try book.open(bin: nil, actor: "t")
        #expect(throws: StocktakeError.alreadyOpen(count.id, scope: "全店 whole store")) { try book.open(bin: "A-01", actor: "t") }
        try book.recordCount(stocktake: count.id, partNumber: "08798-9036", bin: "A-01", quantity: 5, deviceID: "d", actor: "t")
        let report = try book.close(count.id)
        #expect(report.map(\.variance).sorted() == [-2, 5])
        _ = try book.confirm(count.id, deviceID: "d", actor: "t")
        #expect(try store.database.stock.balances().map(\.quantity) == [5], "A-02 emptied, oil surplus in A-01")
        #expect(try store.database.stock.checkBalances().isEmpty)
    }
}
