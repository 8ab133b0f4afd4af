import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// The bay page's API: its job, moves, clocking on and off, parts requests.
    func addBayRoutes(_ env: WebEnvironment) {
        let workshop = env.database.workshop
        let access = env.database.access
        on(.get, "/api/v1/bays/{bay}") { _, context -> BayView in
            try await workshop.bayView(try context.parameters.require("bay"))
        }
        // A bay without buttons (a touch screen only) calls for help as its help button would:
        // the counter and upstream are told, the bay's light flashes.
        on(.post, "/api/v1/bays/{bay}/help") { _, context -> Response in
            let bay = try context.parameters.require("bay")
            guard (bay.removingPercentEncoding ?? bay).unicodeScalars.count <= 64 else { throw HTTPError(.badRequest, message: "工位名过长 / a bay's name is at most 64 characters") }
            // A call every few seconds at most per bay: each one tells the counter and upstream.
            guard env.helpLimiter.allow(bay) else {
                throw HTTPError(.tooManyRequests, message: "刚刚已呼叫协助，请稍候 / help was just called at \(bay): wait a moment")
            }
            let press = try await env.writing { try workshop.press("help", kind: .short, bay: bay) }
            return try JSONEncoder.sorted.encodeResponse(HelpCall(accepted: press.accepted, message: press.message, ticketCode: press.ticketCode), status: .created)
        }
        on(.post, "/api/v1/jobs/{ticket}/transitions") { request, context -> JobSummary in
            let ticket = try context.parameters.require("ticket")
            let body = try await request.decode(as: TransitionRequest.self, context: context)
            try requireClosingRights(to: body.to, context)
            let token = request.cookies[sessionCookie]?.value
            let actor = context.actor
            return JobSummary(try await env.writing {
                let proofKey = try token.flatMap { try access.proofKey(token: $0) }
                return try workshop.transition(ticket, to: body.to, actor: actor, reason: body.reason,
                                               parts: body.parts ?? [], id: body.id ?? UUID(), proofKey: proofKey)
            })
        }
        on(.post, "/api/v1/jobs/{ticket}/advance") { request, context -> JobSummary in
            let ticket = try context.parameters.require("ticket")
            if let next = try await env.reading({ try workshop.order(ticket)?.state.advance }) { try requireClosingRights(to: next, context) }
            let token = request.cookies[sessionCookie]?.value
            let actor = context.actor
            return JobSummary(try await env.writing {
                let proofKey = try token.flatMap { try access.proofKey(token: $0) }
                return try workshop.advance(ticket, actor: actor, proofKey: proofKey)
            })
        }
        on(.post, "/api/v1/jobs/{ticket}/clock") { request, context -> HTTPResponse.Status in
            let ticket = try context.parameters.require("ticket")
            let body = try await request.decode(as: ClockRequest.self, context: context)
            try env.pinLimiter.admit(context.remoteAddress?.ipAddress ?? "unknown")
            // A page cannot tell a scanned badge from a typed one: it must prove who it is. An
            // unknown badge gets the same answer as a wrong PIN (badges cannot be listed this way).
            let verified = try await env.writing {
                do {
                    return try workshop.verifyPIN(badge: body.badge, pin: body.pin ?? "")
                } catch WorkshopError.unknownTechnician {
                    return false
                }
            }
            guard verified else {
                throw HTTPError(.forbidden, message: "工号或密码错误（或未设置密码：请在工位扫描工牌）/ wrong badge or PIN (no PIN set? scan the badge at the bay scanner)")
            }
            try await env.writing {
                if body.on {
                    let bay = try workshop.order(ticket)?.bay
                    _ = try workshop.clockOn(badge: body.badge, ticket: ticket, bay: bay)
                } else {
                    try workshop.clockOff(badge: body.badge)
                }
            }
            return .noContent
        }
        // The advisor's quote for extra work: the job waits for the customer's answer on the phone page.
        on(.post, "/api/v1/jobs/{ticket}/quote") { request, context -> Response in
            let ticket = try context.parameters.require("ticket")
            let body = try await request.decode(as: QuoteBody.self, context: context)
            let actor = context.actor
            let quote = try await env.writing { try workshop.quote(ticket, lines: body.lines, actor: actor, id: body.id ?? UUID()) }
            guard let view = try await env.reading({ try workshop.quoteView(id: quote.id) }) else { throw QuoteError.unknownQuote }
            return try JSONEncoder.sorted.encodeResponse(view, status: .created)
        }
        on(.post, "/api/v1/jobs/{ticket}/parts-requests") { request, context -> HTTPResponse.Status in
            let ticket = try context.parameters.require("ticket")
            let body = try await request.decode(as: PartsRequestBody.self, context: context)
            if body.parts.isEmpty { throw HTTPError(.badRequest, message: "请填写配件和数量 / give each part number with a quantity of 1…99999") }
            if let problem = PartsRequest.problem(body.parts) { throw HTTPError(.badRequest, message: problem) }
            _ = try await env.writing { try workshop.requestParts(ticket, bay: nil, parts: body.parts) }
            return .created
        }
    }
}

/// Delivering a job to its customer or cancelling it needs the service desk (or above).
func requireClosingRights(to state: JobState, _ context: KioskRequestContext) throws {
    guard state == .delivered || state == .cancelled else { return }
    guard AccessPolicy.closingJob.allows(context.staff?.role) else {
        throw HTTPError(.forbidden, message: "交车或取消工单需由服务顾问操作 / delivering or cancelling a job needs a service advisor, manager or admin")
    }
}
