import Foundation
import Hummingbird
import HummingbirdTesting
import KioskCore
import Testing
@testable import KioskWeb

@Suite("Quotes for extra work over loopback HTTP")
struct QuoteWebTests {
    let lines = [QuoteLine(item: "更换前刹车片", amountFen: 68_000), QuoteLine(item: "工时", amountFen: 20_000)]

    @Test("the advisor quotes; the phone page shows the items and total; the customer approves through the link; the bay and counter pages show the answer; a second, different answer is 409")
    func quoteAndAnswer() async throws {
        let f = try WebFixture()
        try f.database.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
        try await f.app().test(.live) { client in
            let t1 = try await signIn(client, as: .technician), a1 = try await signIn(client, as: .serviceAdvisor)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/quote", method: .post, headers: t1.json,
                                             body: try body(QuoteBody(lines: lines))).status == .forbidden, "quoting is the service desk's")
            let bad = try await client.execute(uri: "/api/v1/jobs/WO-1/quote", method: .post, headers: a1.json, body: try body(QuoteBody(lines: [])))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("1 to 30"))
            let made = try await client.execute(uri: "/api/v1/jobs/WO-1/quote", method: .post, headers: a1.json, body: try body(QuoteBody(lines: lines)))
            #expect(made.status == .created)
            let quoteID = try #require((try json(made)["id"] as? String).flatMap(UUID.init(uuidString:)))

            let track = try json(try await client.execute(uri: "/api/v1/track/\(f.order.publicToken)", method: .get))
            let shown = try #require(track["quote"] as? [String: Any])
            #expect(shown["total"] as? String == "¥880.00" && shown["awaitingAnswer"] as? Bool == true && (shown["lines"] as? [Any])?.count == 2)
            #expect(track["nowEn"] as? String == JobState.waitingApproval.nameEn)

            let answer = { (token: String, quote: UUID, a: QuoteAnswer, headers: HTTPFields) in
                try await client.execute(uri: "/api/v1/track/\(token)/quote", method: .post, headers: headers, body: try body(QuoteAnswerBody(quote: quote, answer: a)))
            }
            let jsonOnly: HTTPFields = [.contentType: "application/json"]
            #expect(try await answer(f.order.publicToken, quoteID, .approve, [.contentType: "text/plain"]).status == .unsupportedMediaType,
                    "a form another site posts never reaches the handler")
            #expect(try await answer("guess", quoteID, .approve, jsonOnly).status == .notFound)
            #expect(try await answer(f.order.publicToken, UUID(), .approve, jsonOnly).status == .notFound)
            let approved = try await answer(f.order.publicToken, quoteID, .approve, jsonOnly)
            let decision = try json(approved)["decision"] as? String
            #expect(approved.status == .ok && decision == "approved")
            let late = try await answer(f.order.publicToken, quoteID, .decline, jsonOnly)
            #expect(late.status == .conflict && String(buffer: late.body).contains("approved by the customer"))
            #expect(try f.database.workshop.order("WO-1")?.state == .repairing)

            let bay = try json(try await client.execute(uri: "/api/v1/bays/BAY-1", method: .get, headers: t1.read))
            #expect(((bay["job"] as? [String: Any])?["quote"] as? [String: Any])?["decision"] as? String == "approved")
            let c1 = try await signIn(client, as: .clerk)
            let counter = try json(try await client.execute(uri: "/api/v1/counter", method: .get, headers: c1.read))
            let quotes = try #require(counter["quotes"] as? [[String: Any]])
            #expect(quotes.count == 1 && quotes[0]["bay"] as? String == "BAY-1" && (quotes[0]["quote"] as? [String: Any])?["decision"] as? String == "approved")
            #expect(!String(describing: counter).contains("13800138000"))
        }
    }
}
