import Foundation
import Hummingbird
import KioskCore
import NIOCore
import Synchronization

extension GuardedRouter {
    /// The lobby board and the customer's phone page: public, with no personal data.
    func addLobbyRoutes(_ env: WebEnvironment) {
        let workshop = env.database.workshop
        // The board is read by every lobby screen and phone every few seconds: it is built once
        // per change of the workshop (the change stream's version), and at most a second old.
        let lobbyCache = LobbyCache()
        on(.get, "/api/v1/lobby") { _, _ -> Response in
            let version = env.database.changes.version(of: [.workshop])
            if let body = lobbyCache.body(version: version) {
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
            }
            let orders = try await env.reading { try workshop.openOrders() }
            let vehicles = orders.compactMap { o in o.state.customerStage.map { LobbyEntry(o, stage: $0) } }
            let body = ByteBuffer(bytes: try JSONEncoder.sorted.encode(LobbyView(vehicles: vehicles, stages: CustomerStage.allCases)))
            lobbyCache.keep(body, version: version)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
        }
        on(.get, "/api/v1/track/{token}") { _, context -> TrackView in
            let client = context.remoteAddress?.ipAddress ?? "unknown"
            guard env.trackLimiter.allow(client) else {
                throw HTTPError(.tooManyRequests, message: "查询过于频繁，请稍后再试 / too many look-ups: try again in a minute")
            }
            let token = try context.parameters.require("token")
            let (order, quote) = try await env.reading { (try workshop.order(publicToken: token), try workshop.quoteView(publicToken: token)) }
            guard let order, let stage = order.state.customerStage else {
                throw HTTPError(.notFound, message: "找不到该车辆，或已交车 / no vehicle for this link, or it was already delivered")
            }
            return TrackView(order, stage: stage, store: env.store, quote: quote)
        }
        // The customer answers the quote they were shown: the link is their key (as for the
        // page), the quote's id says which one they saw, and look-ups and answers share a limit.
        on(.post, "/api/v1/track/{token}/quote") { request, context -> QuoteView in
            let client = context.remoteAddress?.ipAddress ?? "unknown"
            guard env.trackLimiter.allow(client) else {
                throw HTTPError(.tooManyRequests, message: "操作过于频繁，请稍后再试 / too many requests: try again in a minute")
            }
            let token = try context.parameters.require("token")
            let body = try await request.decode(as: QuoteAnswerBody.self, context: context)
            let quote = try await env.writing { try workshop.answerQuote(publicToken: token, quote: body.quote, answer: body.answer, client: client) }
            guard let view = try await env.reading({ try workshop.quoteView(id: quote.id) }) else { throw QuoteError.unknownQuote }
            return view
        }
    }
}

/// The lobby board's last answer, by the workshop's version in the change stream.
final class LobbyCache: Sendable {
    private let state = Mutex<(version: Int, at: ContinuousClock.Instant, body: ByteBuffer)?>(nil)

    /// The kept answer while the workshop has not changed, for at most a second.
    func body(version: Int, now: ContinuousClock.Instant = .now) -> ByteBuffer? {
        guard let cached = state.withLock({ $0 }), cached.version == version, now - cached.at < .seconds(1) else { return nil }
        return cached.body
    }

    func keep(_ body: ByteBuffer, version: Int, now: ContinuousClock.Instant = .now) {
        state.withLock { $0 = (version, now, body) }
    }
}
