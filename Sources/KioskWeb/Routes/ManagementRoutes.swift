import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// The service desk's and management's API: customers (phone and VIN), the audit log, staff.
    func addManagementRoutes(_ env: WebEnvironment) {
        let workshop = env.database.workshop
        let access = env.database.access
        let audit = env.database.audit
        on(.get, "/api/v1/customers/orders") { request, _ -> CustomerOrdersView in
            let phone = request.uri.queryParameters.get("phone")?.trimmingCharacters(in: .whitespaces) ?? ""
            let vin = request.uri.queryParameters.get("vin")?.trimmingCharacters(in: .whitespaces) ?? ""
            // Like the stock look-up: nothing asked, nothing shown (never every customer at once).
            guard !phone.isEmpty || !vin.isEmpty else { return CustomerOrdersView(orders: []) }
            let orders = try await env.reading { phone.isEmpty ? try workshop.orders(vin: vin.uppercased()) : try workshop.orders(phone: phone) }
            return CustomerOrdersView(orders: orders.map(CustomerOrdersView.Order.init))
        }
        on(.get, "/api/v1/manager") { request, _ -> ManagerView in
            let asked = request.uri.queryParameters.get("period") ?? "day"
            guard let period = ManagerView.Period(rawValue: asked) else {
                throw HTTPError(.badRequest, message: "period 须为 day 或 week / period must be day or week")
            }
            return try await env.database.managerView(period, sightings: env.sightings.all)
        }
        let webhooks = env.database.webhooks
        on(.get, "/api/v1/webhooks") { _, _ -> WebhooksView in
            try await env.reading { WebhooksView(endpoints: try webhooks.status(), dead: try webhooks.dead()) }
        }
        on(.post, "/api/v1/webhooks/replay") { request, context -> Response in
            let body = try await request.decode(as: WebhookReplayRequest.self, context: context)
            guard body.all == true || !(body.events ?? []).isEmpty else {
                throw HTTPError(.badRequest, message: "请给出事件编号，或 all: true / name the events to send again, or all: true")
            }
            // Ids sent beside all: true are checked too: a malformed request is refused whole.
            if let events = body.events, events.count > 1000 || !events.allSatisfy(Webhooks.isEventID) {
                throw WebhookError.badEventIDs("give at most 1,000 event ids as `kioskd webhooks dead` lists them (letters, digits and dashes, up to 200)")
            }
            let actor = context.actor
            let count = try await env.writing { try webhooks.replay(eventIDs: body.all == true ? nil : body.events, endpoint: body.endpoint, actor: actor) }
            return try JSONEncoder.sorted.encodeResponse(["replayed": count], status: .ok)
        }
        on(.get, "/api/v1/audit") { _, _ -> AuditView in
            try await env.reading {
                let verification = try audit.verify()
                let entries = try audit.entries().suffix(200).reversed().map {
                    AuditView.Entry(seq: $0.seq, at: $0.at, actor: $0.actor, action: $0.action.rawValue, detail: $0.detail)
                }
                return AuditView(intact: verification.isIntact, verification: verification.description, entries: Array(entries))
            }
        }
        on(.get, "/api/v1/staff") { _, _ -> StaffView in
            try await env.reading {
                let locks = try workshop.pinLocks()
                return StaffView(staff: try access.staff().map {
                    StaffView.Person(badge: $0.badge, name: $0.name, role: $0.role, lockedUntil: locks[$0.badge]?.lockedUntil,
                                     lockouts: locks[$0.badge]?.lockouts ?? 0)
                })
            }
        }
        on(.post, "/api/v1/staff/{badge}/unlock") { _, context -> HTTPResponse.Status in
            let badge = try context.parameters.require("badge")
            let actor = context.actor
            try await env.writing { try workshop.unlockPIN(badge: badge, actor: actor) }
            return .noContent
        }
        on(.post, "/api/v1/staff/{badge}/role") { request, context -> HTTPResponse.Status in
            let badge = try context.parameters.require("badge")
            let body = try await request.decode(as: RoleRequest.self, context: context)
            guard let role = StaffRole(argument: body.role) else {
                throw HTTPError(.badRequest, message: AccessError.unknownRole(body.role).description)
            }
            let actor = context.actor
            try await env.writing { try access.setRole(badge: badge, to: role, actor: actor) }
            return .noContent
        }
    }
}
