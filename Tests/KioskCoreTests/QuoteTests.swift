import Foundation
import GRDB
import Testing
@testable import KioskCore

/// A customer asked to approve extra work answers on the phone page instead of phoning back.
@Suite("Quotes for extra work, answered on the phone page")
struct QuoteTests {
    /// WO-1 at BAY-1, diagnosing; its phone link.
    func diagnosing(_ store: TemporaryStore, ticket: String = "WO-1") throws -> String {
        let ws = store.database.workshop
        let order = try ws.open(WorkOrderDraft(ticketCode: ticket, plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800000000", bay: "BAY-1"), actor: "A1")
        try ws.transition(ticket, to: .diagnosing, actor: "T1")
        return order.publicToken
    }

    let brakes = [QuoteLine(item: "更换前刹车片", amountFen: 68_000), QuoteLine(item: "工时", amountFen: 20_050)]

    func audit(_ store: TemporaryStore) throws -> [String] {
        try store.database.pool.read { try String.fetchAll($0, sql: "SELECT action || ' ' || actor || ' ' || detail FROM audit_log WHERE action LIKE 'job.quote%' ORDER BY seq") }
    }

    @Test("a quote puts the job in waiting-approval; the customer approves through the link: recorded with the time and the link, audited, the job moves to repairing; the same tap again changes nothing, the other answer is refused")
    func approve() throws {
        let store = try TemporaryStore()
        let link = try diagnosing(store)
        let ws = store.database.workshop
        let quote = try ws.quote("WO-1", lines: brakes, actor: "A1")
        #expect(quote.totalFen == 88_050 && yuanText(quote.totalFen) == "¥880.50")
        #expect(try ws.order("WO-1")?.state == .waitingApproval)
        #expect(try ws.quoteView(publicToken: link)?.awaitingAnswer == true)

        let at = Date(timeIntervalSince1970: 1_800_000_000.25)
        let answered = try ws.answerQuote(publicToken: link, quote: quote.id, answer: .approve, at: at)
        #expect(answered.decision == .approved && answered.decidedAt == at && answered.decidedVia == link)
        let moved = try #require(try ws.transitions(of: "WO-1").last)
        #expect(moved.fromState == .waitingApproval && moved.toState == .repairing && moved.actor == "customer" && moved.reason?.contains("¥880.50") == true)
        #expect(try ws.quoteView(publicToken: link).map { [$0.awaitingAnswer ? "open" : "closed", $0.decision?.rawValue ?? "-"] } == ["closed", "approved"])

        #expect(try ws.answerQuote(publicToken: link, quote: quote.id, answer: .approve).decidedAt == at, "a second tap is the same answer")
        #expect(throws: QuoteError.alreadyDecided(.approved, at: at)) { try ws.answerQuote(publicToken: link, quote: quote.id, answer: .decline) }
        #expect(try ws.transitions(of: "WO-1").count == 4, "opened, diagnosing, waiting approval, repairing: nothing more")
        let entries = try audit(store)
        #expect(entries.count == 2 && entries[0].hasPrefix("job.quote_made A1 WO-1: 2 item(s), ¥880.50")
                && entries[1].hasPrefix("job.quote_answered customer WO-1: approved ¥880.50 through the phone link \(link.prefix(6))…"), "\(entries)")
    }

    @Test("declining moves the job on to repairing with the booked work; a newer quote withdraws the one not yet answered")
    func declineAndWithdraw() throws {
        let store = try TemporaryStore()
        let link = try diagnosing(store)
        let ws = store.database.workshop
        let first = try ws.quote("WO-1", lines: brakes, actor: "A1")
        let second = try ws.quote("WO-1", lines: [QuoteLine(item: "更换前刹车片", amountFen: 60_000)], actor: "A1")
        #expect(try store.database.pool.read { try JobQuote.fetchOne($0, key: first.id) }?.decision == .withdrawn)
        let late = #expect(throws: QuoteError.self) { try ws.answerQuote(publicToken: link, quote: first.id, answer: .approve) }
        #expect(late?.description.contains("this quote was withdrawn") == true, "\(String(describing: late))")
        #expect(try ws.quoteView(publicToken: link)?.id == second.id)
        try ws.answerQuote(publicToken: link, quote: second.id, answer: .decline)
        #expect(try ws.order("WO-1")?.state == .repairing)
        #expect(try ws.transitions(of: "WO-1").last?.reason?.contains("declined") == true)
    }

    @Test("bad lines are refused and change nothing: none, 31, a blank item, one piled with combining marks, one with a control or right-to-left character, a negative or too large amount")
    func badLinesChangeNothing() throws {
        let store = try TemporaryStore()
        _ = try diagnosing(store)
        let ws = store.database.workshop
        let bad: [[QuoteLine]] = [[], Array(repeating: QuoteLine(item: "机油", amountFen: 100), count: 31), [QuoteLine(item: "  ", amountFen: 100)],
                                  [QuoteLine(item: "e" + String(repeating: "\u{301}", count: 300), amountFen: 100)], [QuoteLine(item: "机油\u{202E}", amountFen: 100)],
                                  [QuoteLine(item: "机油\u{7}", amountFen: 100)], [QuoteLine(item: "机油", amountFen: -1)],
                                  [QuoteLine(item: "机油", amountFen: 100_000_000)]]
        for lines in bad {
            #expect(throws: QuoteError.self, "\(lines.prefix(1))") { try ws.quote("WO-1", lines: lines, actor: "A1") }
        }
        #expect(try ws.order("WO-1")?.state == .diagnosing)
        #expect(try store.database.pool.read { try JobQuote.fetchCount($0) } == 0 && audit(store).isEmpty)
    }

    @Test("another job's link, an unknown quote, a job the advisor moved on (also when it came back to waiting), a closed job: refused with what to do")
    func wrongLinkOrLate() throws {
        let store = try TemporaryStore()
        let link = try diagnosing(store), other = try diagnosing(store, ticket: "WO-2")
        let ws = store.database.workshop
        let quote = try ws.quote("WO-1", lines: brakes, actor: "A1")
        #expect(throws: QuoteError.unknownQuote) { try ws.answerQuote(publicToken: other, quote: quote.id, answer: .approve) }
        #expect(throws: QuoteError.unknownQuote) { try ws.answerQuote(publicToken: link, quote: UUID(), answer: .approve) }
        try ws.transition("WO-1", to: .repairing, actor: "A1", reason: "客户电话同意")
        #expect(throws: QuoteError.notWaiting(.repairing)) { try ws.answerQuote(publicToken: link, quote: quote.id, answer: .approve) }
        #expect(try ws.quoteView(publicToken: link)?.awaitingAnswer == false)
        // Back in waiting-approval by a plain move (the advisor phoned): the old quote is not answered through the link.
        try ws.transition("WO-1", to: .waitingApproval, actor: "A1")
        #expect(throws: QuoteError.notWaiting(.waitingApproval)) { try ws.answerQuote(publicToken: link, quote: quote.id, answer: .approve) }
        #expect(try ws.quoteView(publicToken: link)?.awaitingAnswer == false)
        try ws.transition("WO-2", to: .cancelled, actor: "A1", reason: "客户取消")
        #expect(throws: WorkshopError.illegalTransition(from: .cancelled, to: .waitingApproval)) { try ws.quote("WO-2", lines: brakes, actor: "A1") }
    }

    @Test("a board that syncs leaves quotes to its hub, where the customer's link is served")
    func boardsLeaveQuotesToTheHub() throws {
        let store = try TemporaryStore()
        let link = try diagnosing(store)
        try store.database.outbox.enable()
        #expect(throws: QuoteError.notAtTheHub) { try store.database.workshop.quote("WO-1", lines: brakes, actor: "A1") }
        #expect(throws: QuoteError.notAtTheHub) { try store.database.workshop.answerQuote(publicToken: link, quote: UUID(), answer: .approve) }
    }

    @Test("amounts typed at the desk", arguments: [
        ("更换前刹车片:680", 68_000), ("工时：200.5", 20_050), ("工时:200.50", 20_050), ("a:b:0.01", 1),
        ("工时:-5", nil), ("工时:1.005", nil), ("工时:", nil), ("工时:1e3", nil), ("工时", nil), ("工时:123456789", nil),
    ] as [(String, Int?)])
    func typedAmounts(text: String, fen: Int?) {
        #expect(QuoteLine(argument: text)?.amountFen == fen)
    }
}
