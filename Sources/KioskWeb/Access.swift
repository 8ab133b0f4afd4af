import Foundation
import HTTPTypes
import Hummingbird
import KioskCore
import NIOCore

/// Who may use a route: anyone (the public kiosk: the lobby board, the phone page, health), or
/// signed-in staff with one of the roles.
public enum Access: Sendable, Hashable, CustomStringConvertible {
    /// The public kiosk role: no session, read-only, and the route shows no personal data.
    case publicKiosk
    case staff(Set<StaffRole>)
    /// A device enrolled with this hub, by its bearer token (the sync API).
    case device

    public var description: String {
        switch self {
        case .publicKiosk: "public"
        case .device: "enrolled device"
        case .staff(let roles): StaffRole.allCases.filter(roles.contains).map(\.rawValue).joined(separator: ", ")
        }
    }

    public func allows(_ role: StaffRole?) -> Bool {
        switch self {
        case .publicKiosk: true
        case .staff(let roles): role.map(roles.contains) ?? false
        case .device: false
        }
    }

    static let anyStaff = Access.staff(Set(StaffRole.allCases))
    static let workshop = Access.staff([.technician, .serviceAdvisor, .manager, .admin])
    static let counter = Access.staff([.clerk, .manager, .admin])
    static let customerData = Access.staff([.serviceAdvisor, .manager, .admin])
    static let management = Access.staff([.manager, .admin])
    static let printing = Access.staff([.clerk, .serviceAdvisor, .manager, .admin])
    static let admin = Access.staff([.admin])
}

/// One route and the roles it allows. Every route kioskd serves is declared here, and the
/// router refuses to register one that is not (see ``AccessPolicy/rule(_:_:)``).
public struct RouteRule: Sendable, Hashable {
    public var method: HTTPRequest.Method
    public var path: String
    public var access: Access
    /// A page (HTML) rather than the JSON API: refusals come back as a sign-in or refusal page.
    public var isPage: Bool

    /// Changes something: needs the CSRF token of the session.
    public var changesState: Bool { method != .get && method != .head }
}

/// The declaration of who may use which route.
public enum AccessPolicy {
    public static let rules: [RouteRule] = [
        // Pages
        page("/", .publicKiosk),
        page("/lobby", .publicKiosk),
        page("/track/{token}", .publicKiosk),
        page("/bay/{bay}", .workshop),
        page("/counter", .counter),
        page("/manager", .management),
        // Health, metrics (counts only), the API document, the change feed (version numbers only)
        api(.get, "/healthz", .publicKiosk),
        api(.get, "/metrics", .publicKiosk),
        api(.get, "/api/v1/openapi.json", .publicKiosk),
        api(.get, "/api/v1/events", .publicKiosk),
        // The lobby board and the phone page: masked plates, stages, nothing personal
        api(.get, "/api/v1/lobby", .publicKiosk),
        api(.get, "/api/v1/track/{token}", .publicKiosk),
        // The customer's answer to a quote: the phone link is the key, as for the page
        api(.post, "/api/v1/track/{token}/quote", .publicKiosk),
        // Signing in and out
        api(.post, "/api/v1/session", .publicKiosk),
        api(.get, "/api/v1/session", .anyStaff),
        api(.delete, "/api/v1/session", .anyStaff),
        // Bays
        api(.get, "/api/v1/bays/{bay}", .workshop),
        api(.post, "/api/v1/bays/{bay}/help", .workshop),
        // Webhooks: deliveries per endpoint and the dead-letter list; replaying it
        api(.get, "/api/v1/webhooks", .management),
        api(.post, "/api/v1/webhooks/replay", .management),
        api(.post, "/api/v1/jobs/{ticket}/transitions", .workshop),
        api(.post, "/api/v1/jobs/{ticket}/advance", .workshop),
        api(.post, "/api/v1/jobs/{ticket}/clock", .workshop),
        api(.post, "/api/v1/jobs/{ticket}/parts-requests", .workshop),
        // A quote for extra work is the service desk's
        api(.post, "/api/v1/jobs/{ticket}/quote", .customerData),
        // Customers' work orders with phone and VIN
        api(.get, "/api/v1/customers/orders", .customerData),
        // Counter
        api(.get, "/api/v1/counter", .counter),
        api(.post, "/api/v1/scans", .counter),
        api(.get, "/api/v1/stock", .counter),
        api(.get, "/api/v1/stock/chain", .counter),
        // Cartons to and from sister stores; the chain's report
        api(.post, "/api/v1/transfers", .counter),
        api(.get, "/api/v1/transfers", .counter),
        api(.get, "/api/v1/chain/report", .management),
        // Purchase orders: made by the manager (or the store's ERP), read at the counter
        api(.post, "/api/v1/purchase-orders", .management),
        api(.get, "/api/v1/purchase-orders", .counter),
        api(.get, "/api/v1/purchase-orders/{number}", .counter),
        api(.get, "/api/v1/reorder-suggestions", .counter),
        api(.post, "/api/v1/reorder-suggestions/confirm", .management),
        api(.post, "/api/v1/supplier-returns", .counter),
        // Printing labels and tickets (queued)
        api(.post, "/api/v1/print-jobs", .printing),
        api(.get, "/api/v1/print-jobs", .printing),
        // Sync (hub role): enrolment by one-time code, pushes by device token
        api(.post, "/api/v1/sync/enrol", .publicKiosk),
        api(.post, "/api/v1/sync/push", .device),
        api(.get, "/api/v1/sync/pull", .device),
        api(.get, "/api/v1/sync/chain-stock", .device),
        api(.get, "/api/v1/sync/status", .management),
        // Management
        api(.get, "/api/v1/manager", .management),
        api(.get, "/api/v1/audit", .management),
        api(.get, "/api/v1/staff", .management),
        api(.post, "/api/v1/staff/{badge}/role", .admin),
        api(.post, "/api/v1/staff/{badge}/unlock", .management),
    ]

    /// Handing a job over to the customer or cancelling it is the service desk's call.
    public static let closingJob = Access.customerData

    /// The rule of a route; a route without one is a programming error caught at start-up.
    static func rule(_ method: HTTPRequest.Method, _ path: String) -> RouteRule {
        guard let rule = rules.first(where: { $0.method == method && $0.path == path }) else {
            preconditionFailure("\(method) \(path) has no access rule: declare it in AccessPolicy.rules")
        }
        return rule
    }

    static func page(_ path: String, _ access: Access) -> RouteRule { RouteRule(method: .get, path: path, access: access, isPage: true) }
    static func api(_ method: HTTPRequest.Method, _ path: String, _ access: Access) -> RouteRule {
        RouteRule(method: method, path: path, access: access, isPage: false)
    }
}

/// The name of the session cookie.
let sessionCookie = "kd_session"

/// Registers routes through their ``RouteRule``: the session is looked up, the role checked,
/// and a change needs the session's CSRF token and a same-origin request.
struct GuardedRouter {
    let router: Router<KioskRequestContext>
    let database: KioskDatabase
    var access: StaffAccess { database.access }
    var hub: Hub { database.hub }

    func on<Output: ResponseGenerator>(_ method: HTTPRequest.Method, _ path: String,
                                       use handler: @Sendable @escaping (Request, KioskRequestContext) async throws -> Output) {
        let rule = AccessPolicy.rule(method, path)
        let access = self.access, hub = self.hub, database = self.database
        router.on(RouterPath(path), method: method) { request, context -> Response in
            var context = context
            do {
                try GuardedRouter.checkJSONBody(request, rule: rule)
                if case .device = rule.access {
                    let header = request.headers[.authorization] ?? ""
                    let token = String(header.dropFirst(7))
                    guard header.hasPrefix("Bearer "), let device = try await database.perform(.read, { try hub.device(token: token) }) else {
                        throw HTTPError(.unauthorized, message: "未注册或已吊销的设备 / unknown or revoked device token: enrol with kioskd sync enrol")
                    }
                    context.device = device
                    return try await handler(request, context).response(from: request, context: context)
                }
                try GuardedRouter.checkSameOrigin(request, rule: rule)
                if case .staff = rule.access {
                    guard let token = request.cookies[sessionCookie]?.value,
                          let session = try await database.perform(.read, { try access.session(token: token) }) else {
                        throw AccessRefusal.notSignedIn
                    }
                    guard rule.access.allows(session.role) else { throw AccessRefusal.roleNotAllowed(session.role, rule) }
                    if rule.changesState {
                        let sent = request.headers[.csrfToken] ?? ""
                        guard constantTimeEqual(sent, session.csrfToken) else { throw AccessRefusal.missingCSRF }
                    }
                    context.staff = session
                }
            } catch let refusal as AccessRefusal {
                if rule.isPage { return Page.refusal(refusal, staff: context.staff) }
                throw refusal.httpError
            }
            return try await handler(request, context).response(from: request, context: context)
        }
    }

    /// A browser sends `Origin` with every cross-site request that changes something; one that
    /// names another host is refused before anything happens (SameSite=Strict covers the rest).
    /// `Origin: null` (a sandboxed frame, a file, a redirect from elsewhere) is refused too.
    static func checkSameOrigin(_ request: Request, rule: RouteRule) throws {
        guard rule.changesState, let origin = request.headers[.origin] else { return }
        guard origin != "null" else { throw AccessRefusal.crossOrigin(origin) }
        let host = request.head.authority ?? ""
        let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        guard !host.isEmpty, originHost == host else { throw AccessRefusal.crossOrigin(origin) }
    }
}

extension GuardedRouter {
    /// A change that carries a body must say it is JSON: a form another site posts
    /// (`text/plain`, `application/x-www-form-urlencoded`) never reaches a handler.
    static func checkJSONBody(_ request: Request, rule: RouteRule) throws {
        guard rule.changesState else { return }
        let declared = request.headers[.contentType].map {
            ($0.split(separator: ";").first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        }
        let length = request.headers[.contentLength].flatMap { Int($0) } ?? 0
        switch declared {
        case "application/json": return
        case nil where length == 0: return      // nothing sent, or nothing said about it (a form always says)
        default:
            let type = declared ?? "none"
            throw HTTPError(.unsupportedMediaType, message: "请求须为 JSON（Content-Type: application/json）/ send the body as JSON with Content-Type: application/json (got \(type))")
        }
    }
}

/// Why a request was refused at the door.
enum AccessRefusal: Error {
    case notSignedIn
    case roleNotAllowed(StaffRole, RouteRule)
    case missingCSRF
    case crossOrigin(String)

    var message: String {
        switch self {
        case .notSignedIn:
            "请先登录（工号和密码）/ sign in first with your badge number and PIN"
        case let .roleNotAllowed(role, rule):
            "\(role.nameZh)无权使用此功能 / your role (\(role.rawValue)) cannot use this: it needs \(rule.access)"
        case .missingCSRF:
            "页面已过期，请刷新后重试 / this page is out of date (missing CSRF token): reload it and try again"
        case .crossOrigin(let origin):
            "拒绝来自其他网站的请求 / refused a request from another site (\(origin))"
        }
    }

    var httpError: HTTPError {
        switch self {
        case .notSignedIn: HTTPError(.unauthorized, message: message)
        default: HTTPError(.forbidden, message: message)
        }
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count, !x.isEmpty else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}
