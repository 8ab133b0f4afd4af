import Foundation
import Synchronization
import GRDB
import Hummingbird
import KioskCore
import Logging
import NIOCore

/// The request context of kioskd's HTTP server: JSON with ISO 8601 dates, and the client's
/// address for rate limiting.
public struct KioskRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The signed-in person, on routes for staff (set by ``GuardedRouter``).
    public var staff: StaffSession?
    /// The enrolled device, on the hub's sync routes.
    public var device: String?

    /// Who did it, for movements, transitions and the audit log: the signed-in badge.
    var actor: String { staff.map { "\($0.badge)" } ?? "kiosk" }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var requestDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = WireDate.decoding
        return d
    }

    public var responseEncoder: JSONEncoder { .sorted }
}

/// What the routes work with.
public struct WebEnvironment: Sendable {
    public var database: KioskDatabase
    /// The counter of this device, for scans typed or scanned on the counter page.
    public var counter: Counter
    /// The path every scan takes (duplicate window, counter, log, lamp, buzzer, metrics):
    /// the page's scans go through it like a scanner's.
    public var desk: ScanDesk
    public var health: HealthBoard
    public var trackLimiter: RateLimiter
    /// Sign-in and clock attempts, per client address and for the whole device.
    public var pinLimiter: PINAttemptLimiter
    /// The bay this device stands at, for `/bay` without a name.
    public var bay: String?
    /// What `/metrics` serves.
    public var metrics: KioskMetrics
    /// Mark the session cookie `Secure` (behind an https proxy).
    public var secureCookies: Bool
    /// The printers the daemon sends to, `nil` without any: print requests are refused.
    public var printing: PrintingSetup?
    /// This kioskd is the store's hub: it takes enrolments and pushes from devices.
    public var isHub: Bool
    /// Where the hub keeps what devices push: its own store unless a PostgreSQL ledger is set.
    public var ledger: any HubLedger
    /// The store's name and service-desk phone number, for the customer's phone page.
    public var store = StoreContact()

    public init(database: KioskDatabase, counter: Counter, health: HealthBoard,
                trackLimiter: RateLimiter = RateLimiter(capacity: 20, perMinute: 30), bay: String? = nil,
                metrics: KioskMetrics = KioskMetrics(), secureCookies: Bool = false, printing: PrintingSetup? = nil,
                isHub: Bool = false, ledger: (any HubLedger)? = nil, desk: ScanDesk? = nil,
                pinLimiter: PINAttemptLimiter = PINAttemptLimiter()) {
        self.pinLimiter = pinLimiter
        self.desk = desk ?? ScanDesk(counter: counter, indicators: [metrics], logger: Logger(label: "kioskd.counter"))
        self.isHub = isHub
        self.ledger = ledger ?? database.hub
        self.printing = printing
        self.metrics = metrics
        self.secureCookies = secureCookies
        self.database = database
        self.counter = counter
        self.health = health
        self.trackLimiter = trackLimiter
        self.bay = bay
    }
}

/// Builds the router: the pages, `/api/v1`, `/api/v1/openapi.json`, `/healthz`.
public func makeRouter(_ env: WebEnvironment) -> Router<KioskRequestContext> {
    let router = Router(context: KioskRequestContext.self)
    // Requests and their durations, per route, through swift-metrics (Prometheus in the daemon).
    router.add(middleware: MetricsMiddleware())
    let workshop = env.database.workshop
    // Every route goes through its access rule (AccessPolicy): session, role, CSRF.
    let routes = GuardedRouter(router: router, access: env.database.access, hub: env.database.hub)

    // MARK: Pages (all assets inline: they work without internet)
    routes.on(.get, "/") { _, _ in Page.html(Page.index(bay: env.bay)) }
    routes.on(.get, "/bay/{bay}") { _, context in Page.html(Page.bay(try context.parameters.require("bay")), staff: context.staff) }
    routes.on(.get, "/counter") { _, context in Page.html(Page.counter, staff: context.staff) }
    routes.on(.get, "/lobby") { _, _ in Page.html(Page.lobby) }
    routes.on(.get, "/track/{token}") { _, context in Page.html(Page.track(try context.parameters.require("token"))) }

    // MARK: Health and the API document
    routes.on(.get, "/metrics") { _, _ -> Response in
        try env.database.pool.read { db in
            env.metrics.refreshGauges(health: env.health, in: db)
        }
        var response = Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(bytes: env.metrics.registry.emitToBuffer())))
        response.headers[.cacheControl] = "no-store"
        return response
    }
    routes.on(.get, "/healthz") { request, _ -> Response in
        let status = env.health.faults.isEmpty ? "ok" : "degraded"
        // Anyone may ask whether the device is well; what is wrong (paths, addresses, hosts,
        // error text) only a signed-in person sees.
        let signedIn = try request.cookies[sessionCookie].map { try env.database.access.session(token: $0.value) } ?? nil
        let view = signedIn == nil ? HealthView(status: status, components: nil, faults: nil)
            : HealthView(status: status, components: env.health.snapshot.mapValues(\.description), faults: env.health.faults)
        var response = try JSONEncoder.sorted.encodeResponse(view, status: .ok)
        response.headers[.cacheControl] = "no-store"
        return response
    }
    routes.on(.get, "/api/v1/openapi.json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }

    // MARK: Live updates
    routes.on(.get, "/api/v1/events") { request, _ -> Response in
        // `?areas=workshop,stock`: only changes to what the page shows (every area without it).
        var areas = Set(StoreArea.allCases)
        if let asked = request.uri.queryParameters.get("areas"), !asked.isEmpty {
            let names = asked.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let unknown = names.filter { StoreArea(rawValue: $0) == nil }
            guard unknown.isEmpty else {
                throw HTTPError(.badRequest, message: "未知区域 \(unknown.joined(separator: ",")) / unknown areas \(unknown.joined(separator: ",")): use \(StoreArea.allCases.map(\.rawValue).joined(separator: ","))")
            }
            areas = Set(names.compactMap(StoreArea.init(rawValue:)))
        }
        let changes = env.database.changes.subscribe(to: areas)
        let shown = areas
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                for await change in changes {
                    let named = change.areas.intersection(shown).map(\.rawValue).sorted().joined(separator: ",")
                    try await writer.write(ByteBuffer(string: "event: change\nid: \(change.sequence)\ndata: \(named)\n\n"))
                }
                try await writer.finish(nil)
            })
    }

    // MARK: Lobby and phone (public: no personal data)
    // The board is read by every lobby screen and phone every few seconds: it is built once
    // per change of the workshop (the change stream's version), and at most a second old.
    let lobbyCache = LobbyCache()
    routes.on(.get, "/api/v1/lobby") { _, _ -> Response in
        let version = env.database.changes.version(of: [.workshop])
        let body = try lobbyCache.body(version: version) {
            let vehicles = try workshop.openOrders().compactMap { o in o.state.customerStage.map { LobbyEntry(o, stage: $0) } }
            return ByteBuffer(bytes: try JSONEncoder.sorted.encode(LobbyView(vehicles: vehicles, stages: CustomerStage.allCases)))
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }
    routes.on(.get, "/api/v1/track/{token}") { _, context -> TrackView in
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        guard env.trackLimiter.allow(client) else {
            throw HTTPError(.tooManyRequests, message: "查询过于频繁，请稍后再试 / too many look-ups: try again in a minute")
        }
        let token = try context.parameters.require("token")
        guard let order = try workshop.order(publicToken: token), let stage = order.state.customerStage else {
            throw HTTPError(.notFound, message: "找不到该车辆，或已交车 / no vehicle for this link, or it was already delivered")
        }
        return TrackView(order, stage: stage, store: env.store)
    }

    // MARK: Bays
    routes.on(.get, "/api/v1/bays/{bay}") { _, context -> BayView in
        let bay = try context.parameters.require("bay")
        return try bayView(bay, env: env)
    }
    routes.on(.post, "/api/v1/jobs/{ticket}/transitions") { request, context -> JobSummary in
        let ticket = try context.parameters.require("ticket")
        let body = try await request.decode(as: TransitionRequest.self, context: context)
        try requireClosingRights(to: body.to, context)
        let proofKey = try request.cookies[sessionCookie].flatMap { try env.database.access.proofKey(token: $0.value) }
        return JobSummary(try workshop.transition(ticket, to: body.to, actor: context.actor, reason: body.reason,
                                                  parts: body.parts ?? [], id: body.id ?? UUID(), proofKey: proofKey))
    }
    routes.on(.post, "/api/v1/jobs/{ticket}/advance") { request, context -> JobSummary in
        let ticket = try context.parameters.require("ticket")
        if let next = try workshop.order(ticket)?.state.advance { try requireClosingRights(to: next, context) }
        let proofKey = try request.cookies[sessionCookie].flatMap { try env.database.access.proofKey(token: $0.value) }
        return JobSummary(try workshop.advance(ticket, actor: context.actor, proofKey: proofKey))
    }
    routes.on(.post, "/api/v1/jobs/{ticket}/clock") { request, context -> HTTPResponse.Status in
        let ticket = try context.parameters.require("ticket")
        let body = try await request.decode(as: ClockRequest.self, context: context)
        try env.pinLimiter.admit(context.remoteAddress?.ipAddress ?? "unknown")
        // A page cannot tell a scanned badge from a typed one: it must prove who it is. An
        // unknown badge gets the same answer as a wrong PIN (badges cannot be listed this way).
        let verified: Bool
        do {
            verified = try workshop.verifyPIN(badge: body.badge, pin: body.pin ?? "")
        } catch WorkshopError.unknownTechnician {
            verified = false
        }
        guard verified else {
            throw HTTPError(.forbidden, message: "工号或密码错误（或未设置密码：请在工位扫描工牌）/ wrong badge or PIN (no PIN set? scan the badge at the bay scanner)")
        }
        if body.on {
            let bay = try workshop.order(ticket)?.bay
            _ = try workshop.clockOn(badge: body.badge, ticket: ticket, bay: bay)
        } else {
            try workshop.clockOff(badge: body.badge)
        }
        return .noContent
    }
    routes.on(.post, "/api/v1/jobs/{ticket}/parts-requests") { request, context -> HTTPResponse.Status in
        let ticket = try context.parameters.require("ticket")
        let body = try await request.decode(as: PartsRequestBody.self, context: context)
        guard !body.parts.isEmpty, body.parts.allSatisfy({ (1...99_999).contains($0.quantity) && !$0.partNumber.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
            throw HTTPError(.badRequest, message: "请填写配件和数量 / give each part number with a quantity of 1…99999")
        }
        _ = try workshop.requestParts(ticket, bay: nil, parts: body.parts)
        return .created
    }

    // MARK: Counter
    routes.on(.get, "/api/v1/counter") { _, _ -> CounterView in try counterView(env) }
    routes.on(.post, "/api/v1/scans") { request, context -> ScanResult in
        let body = try await request.decode(as: ScanRequest.self, context: context)
        let feedback = await env.desk.submit(ScanEvent(id: body.id ?? UUID(), source: "counter-page:\(context.actor)", text: body.text, actor: context.staff?.badge))
        return ScanResult(accepted: feedback.accepted, message: feedback.message, duplicate: feedback.duplicate, scanID: feedback.scanID,
                          outcome: feedback.outcome.rawValue)
    }
    routes.on(.get, "/api/v1/stock") { request, _ -> StockView in
        let query = request.uri.queryParameters.get("q")?.trimmingCharacters(in: .whitespaces) ?? ""
        return StockView(rows: try stockRows(matching: query, env: env))
    }
    // MARK: Printing (queued: the daemon's print service sends it, and retries)
    routes.on(.post, "/api/v1/print-jobs") { request, context -> Response in
        guard let printing = env.printing else {
            throw HTTPError(.conflict, message: "本机未配置打印机 / no printer is configured on this device: add [[printers]] to its config")
        }
        let body = try await request.decode(as: PrintRequest.self, context: context)
        let printer = body.printer ?? (body.kind == .ticket ? printing.ticketPrinter : printing.labelPrinter)
        guard printing.printers.contains(printer) else {
            throw HTTPError(.badRequest, message: "未知打印机 \(printer) / no printer named \(printer) (known: \(printing.printers.joined(separator: ", ")))")
        }
        guard (1...100).contains(body.copies ?? 1) else { throw HTTPError(.badRequest, message: "份数 1…100 / copies must be 1…100") }
        var subjects = (body.subjects ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if body.kind == .bins, let from = body.from, let to = body.to { subjects = try env.database.printQueue.bins(from: from, to: to) }
        if [.bins, .parts, .ticket].contains(body.kind), subjects.isEmpty {
            throw HTTPError(.badRequest, message: "请指定要打印的库位、配件或工单 / name the bins (or from/to), parts or tickets to print")
        }
        if body.kind == .ticket {
            for ticket in subjects where try workshop.order(ticket) == nil { throw HTTPError(.notFound, message: WorkshopError.unknownWorkOrder(ticket).description) }
        }
        let job = try env.database.printQueue.enqueue(PrintJob(key: body.id ?? UUID(), printer: printer, kind: body.kind, subjects: subjects,
                                                               copies: body.copies ?? 1, requestedBy: context.actor))
        return try JSONEncoder.sorted.encodeResponse(PrintJobView(job), status: .accepted)
    }
    routes.on(.get, "/api/v1/print-jobs") { _, _ -> PrintJobsView in
        PrintJobsView(jobs: try env.database.printQueue.recent(limit: 20).map(PrintJobView.init))
    }

    // MARK: Sync (the hub's side)
    routes.on(.post, "/api/v1/sync/enrol") { request, context -> EnrolResponse in
        guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub (set [device] role = \"hub\")") }
        let body = try await request.decode(as: EnrolRequest.self, context: context)
        return try env.database.hub.enrol(deviceID: body.deviceID, code: body.code)
    }
    routes.on(.post, "/api/v1/sync/push") { request, context -> PushResponse in
        guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub") }
        let body = try await request.decode(as: PushRequest.self, context: context)
        guard body.events.count <= 5000 else { throw HTTPError(.contentTooLarge, message: "一次最多 5000 条 / at most 5000 events per push") }
        do {
            return try await env.ledger.accept(body, from: context.device ?? "", at: Date())
        } catch let error as HTTPResponseError {
            throw error
        } catch {
            // The ledger (PostgreSQL) is down: nothing was kept; the device sends the batch again.
            throw HTTPError(.serviceUnavailable, message: "门店账本暂不可用 / the hub's ledger is unavailable, the device will send again: \(error)")
        }
    }
    routes.on(.get, "/api/v1/sync/pull") { request, context -> PullResponse in
        guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub") }
        let query = request.uri.queryParameters
        guard let after = query.get("after").map({ Int64($0) }) ?? 0, after >= 0,
              let limit = query.get("limit").map({ Int($0) }) ?? 1000, (1...5000).contains(limit) else {
            throw HTTPError(.badRequest, message: "after 须为非负整数，limit 为 1…5000 / after must be a whole number ≥ 0 and limit 1…5000")
        }
        return try env.database.hub.changes(after: after, limit: limit, for: context.device ?? "")
    }
    routes.on(.get, "/api/v1/sync/status") { _, _ -> SyncStatusView in
        SyncStatusView(outbox: try env.database.outbox.status(),
                       devices: try env.database.hub.devices().map { SyncStatusView.Device(deviceID: $0.deviceID, role: $0.role.rawValue, enrolledAt: $0.enrolledAt, revoked: $0.revoked, auditAlarm: $0.auditAlarm, events: $0.events) })
    }

    // MARK: Signing in (badge + PIN) and out
    routes.on(.post, "/api/v1/session") { request, context -> Response in
        let body = try await request.decode(as: SignInRequest.self, context: context)
        try env.pinLimiter.admit(context.remoteAddress?.ipAddress ?? "unknown")
        let signedIn: (token: String, session: StaffSession)
        signedIn = try env.database.access.signIn(badge: body.badge, pin: body.pin)
        var response = try JSONEncoder.sorted.encodeResponse(signedIn.session, status: .created)
        response.setCookie(Cookie(name: sessionCookie, value: signedIn.token, maxAge: Int(StaffAccess.sessionLifetime), path: "/",
                                  secure: env.secureCookies, httpOnly: true, sameSite: .strict))
        response.headers[.cacheControl] = "no-store"
        return response
    }
    routes.on(.get, "/api/v1/session") { _, context -> StaffSession in
        guard let staff = context.staff else { throw AccessRefusal.notSignedIn.httpError }
        return staff
    }
    routes.on(.delete, "/api/v1/session") { request, _ -> Response in
        if let token = request.cookies[sessionCookie]?.value { try env.database.access.signOut(token: token) }
        var response = Response(status: .noContent)
        response.setCookie(Cookie(name: sessionCookie, value: "", maxAge: 0, path: "/", secure: env.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Customers (phone and VIN: the service desk and management only)
    routes.on(.get, "/api/v1/customers/orders") { request, _ -> CustomerOrdersView in
        let phone = request.uri.queryParameters.get("phone")?.trimmingCharacters(in: .whitespaces) ?? ""
        let vin = request.uri.queryParameters.get("vin")?.trimmingCharacters(in: .whitespaces) ?? ""
        // Like the stock look-up: nothing asked, nothing shown (never every customer at once).
        guard !phone.isEmpty || !vin.isEmpty else { return CustomerOrdersView(orders: []) }
        let orders = phone.isEmpty ? try workshop.orders(vin: vin.uppercased()) : try workshop.orders(phone: phone)
        return CustomerOrdersView(orders: orders.map(CustomerOrdersView.Order.init))
    }

    // MARK: Management
    routes.on(.get, "/api/v1/audit") { _, _ -> AuditView in
        let verification = try env.database.audit.verify()
        let entries = try env.database.audit.entries().suffix(200).reversed().map {
            AuditView.Entry(seq: $0.seq, at: $0.at, actor: $0.actor, action: $0.action.rawValue, detail: $0.detail)
        }
        return AuditView(intact: verification.isIntact, verification: verification.description, entries: Array(entries))
    }
    routes.on(.get, "/api/v1/staff") { _, _ -> StaffView in
        let locks = try workshop.pinLocks()
        return StaffView(staff: try env.database.access.staff().map {
            StaffView.Person(badge: $0.badge, name: $0.name, role: $0.role, lockedUntil: locks[$0.badge]?.lockedUntil,
                             lockouts: locks[$0.badge]?.lockouts ?? 0)
        })
    }
    routes.on(.post, "/api/v1/staff/{badge}/unlock") { _, context -> HTTPResponse.Status in
        let badge = try context.parameters.require("badge")
        try workshop.unlockPIN(badge: badge, actor: context.actor)
        return .noContent
    }
    routes.on(.post, "/api/v1/staff/{badge}/role") { request, context -> HTTPResponse.Status in
        let badge = try context.parameters.require("badge")
        let body = try await request.decode(as: RoleRequest.self, context: context)
        guard let role = StaffRole(argument: body.role) else {
            throw HTTPError(.badRequest, message: AccessError.unknownRole(body.role).description)
        }
        try env.database.access.setRole(badge: badge, to: role, actor: context.actor)
        return .noContent
    }
    // A method a path does not have: 405 with the methods it has (Hummingbird would say 404).
    for (path, rules) in Dictionary(grouping: AccessPolicy.rules, by: \.path) {
        let allowed = rules.map(\.method)
        let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .trace, .options, HTTPRequest.Method("QUERY")!]
        where !allowed.contains(method) {
            router.on(RouterPath(path), method: method) { _, _ -> Response in
                var response = try JSONEncoder.sorted.encodeResponse(
                    ["error": ["message": "此地址不支持 \(method.rawValue) / \(method.rawValue) is not allowed here: use \(allow)"]],
                    status: .methodNotAllowed)
                response.headers[.allow] = allow
                return response
            }
        }
    }
    return router
}

/// The lobby board's last answer, by the change feed's version.
final class LobbyCache: Sendable {
    private let state = Mutex<(version: Int, at: ContinuousClock.Instant, body: ByteBuffer)?>(nil)

    func body(version: Int, now: ContinuousClock.Instant = .now, make: () throws -> ByteBuffer) throws -> ByteBuffer {
        if let cached = state.withLock({ $0 }), cached.version == version, now - cached.at < .seconds(1) { return cached.body }
        let body = try make()
        state.withLock { $0 = (version, now, body) }
        return body
    }
}

/// Delivering a job to its customer or cancelling it needs the service desk (or above).
func requireClosingRights(to state: JobState, _ context: KioskRequestContext) throws {
    guard state == .delivered || state == .cancelled else { return }
    guard AccessPolicy.closingJob.allows(context.staff?.role) else {
        throw HTTPError(.forbidden, message: "交车或取消工单需由服务顾问操作 / delivering or cancelling a job needs a service advisor, manager or admin")
    }
}

func bayView(_ bay: String, env: WebEnvironment) throws -> BayView {
    let names = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, [$0.nameZh, $0.nameEn]) })
    let lastPress = try env.database.workshop.lastPress(atBay: bay, since: Date().addingTimeInterval(-600)).map {
        BayView.Press(id: $0.id, button: $0.button, accepted: $0.accepted, message: $0.message, at: $0.at)
    }
    guard let order = try env.database.workshop.currentJob(atBay: bay) else {
        return BayView(bay: bay, job: nil, stateNames: names, lastPress: lastPress)
    }
    let technicians = try env.database.pool.read { db in
        try String.fetchAll(db, sql: """
            SELECT technician.badge || ' ' || technician.name FROM job_clock JOIN technician USING (badge)
            WHERE job_clock.ticketCode = ? AND job_clock.offAt IS NULL ORDER BY job_clock.onAt
            """, arguments: [order.ticketCode])
    }
    let job = BayView.Job(ticketCode: order.ticketCode, plate: order.plate, state: order.state, stateZh: order.state.nameZh,
                          stateEn: order.state.nameEn, stateSince: order.stateSince,
                          allowedNext: JobState.allCases.filter { order.state.allowedNext.contains($0) },
                          next: order.state.advance, services: order.services, technicians: technicians, promisedAt: order.promisedAt)
    return BayView(bay: bay, job: job, stateNames: names, lastPress: lastPress)
}

func counterView(_ env: WebEnvironment) throws -> CounterView {
    let sync = env.database.outbox.isEnabled ? try env.database.outbox.status() : nil
    return try env.database.pool.read { db in
        let scans = try Row.fetchAll(db, sql: "SELECT scanID, text, accepted, message, scannedAt, outcome FROM scan_log WHERE deviceID = ? ORDER BY seq DESC LIMIT 30",
                                     arguments: [env.counter.deviceID]).map {
            CounterView.Scan(id: $0["scanID"], text: $0["text"], accepted: $0["accepted"], message: $0["message"], at: $0["scannedAt"],
                             outcome: $0["outcome"])
        }
        let alerts = try StockAlert.filter(Column("clearedAt") == nil).order(Column("id")).fetchAll(db).map(\.message)
        let requests = try PartsRequest.filter(Column("clearedAt") == nil).order(Column("raisedAt")).fetchAll(db).map {
            CounterView.Request(ticketCode: $0.ticketCode, bay: $0.bay, parts: $0.parts, raisedAt: $0.raisedAt)
        }
        let counts = try Stocktake.filter(Column("status") != Stocktake.Status.confirmed.rawValue).fetchAll(db).map { s in
            CounterView.Count(id: s.id, scope: s.scopeDescription, status: s.status.rawValue,
                              scanned: try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(quantity), 0) FROM stocktake_scan WHERE stocktakeID = ?", arguments: [s.id]) ?? 0)
        }
        let yardAlerts = try YardAlert.filter(Column("clearedAt") == nil).order(Column("raisedAt")).fetchAll(db).map(\.message)
        return CounterView(session: try env.counter.session(in: db), scans: scans, alerts: alerts, yardAlerts: yardAlerts,
                           partsRequests: requests, stocktakes: counts, sync: sync)
    }
}

func stockRows(matching query: String, env: WebEnvironment) throws -> [StockRow] {
    guard !query.isEmpty else { return [] }
    return try env.database.pool.read { db in
        let like = "%\(query)%"
        let parts = try Part.fetchAll(db, sql: """
            SELECT DISTINCT part.* FROM part LEFT JOIN barcode USING (partNumber)
            WHERE part.partNumber LIKE ?1 OR part.nameZh LIKE ?1 OR part.nameEn LIKE ?1 OR barcode.code = ?2
            ORDER BY part.partNumber LIMIT 20
            """, arguments: [like, GTIN(query)?.gtin14 ?? query])
        return try parts.map { part in
            let balances = try StockBalance.filter(Column("partNumber") == part.partNumber && Column("quantity") != 0).fetchAll(db)
            return StockRow(partNumber: part.partNumber, nameZh: part.nameZh, nameEn: part.nameEn,
                            bins: Dictionary(uniqueKeysWithValues: balances.map { ($0.binCode, $0.quantity) }),
                            onHand: balances.reduce(0) { $0 + $1.quantity })
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = WireDate.encoding
        e.outputFormatting = [.sortedKeys]
        return e
    }

    func encodeResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try encode(value))))
    }
}
