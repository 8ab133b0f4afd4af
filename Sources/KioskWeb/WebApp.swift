import Foundation
import Synchronization
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

    /// The largest body a request may send, read and kept until the handler has it. Until the
    /// client is known (a signed-in person or an enrolled device, checked from the headers
    /// before any body is read) it is 16 KiB, which every public request (sign-in, enrolment, a
    /// customer's answer to a quote) fits many times over: a stranger holding hundreds of
    /// half-sent bodies pins megabytes, not the gigabyte that 2 MiB each made of it.
    public var maxUploadSize: Int { staff != nil || device != nil ? Self.knownClientUploadSize : Self.strangerUploadSize }

    /// A signed-in person's or an enrolled device's requests (a device's batch of events).
    public static let knownClientUploadSize = 2 * 1024 * 1024
    /// Anyone else's.
    public static let strangerUploadSize = 16 * 1024
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
    /// A board that syncs: asks its hub which sister stores hold a part (nil at a hub, or a board on its own).
    public var askHub: (@Sendable (String) async throws -> [ChainStock]?)?
    /// The store's name and service-desk phone number, for the customer's phone page.
    public var store = StoreContact()
    /// When each board last pulled, and the queue it said it had (the manager's page).
    public let sightings = DeviceSightings()
    /// Calls for help from the API, per bay (each is told to the counter and upstream).
    public var helpLimiter = RateLimiter(capacity: 2, perMinute: 6)

    /// Runs a domain call that only reads, off the cooperative pool (``KioskDatabase/perform(_:_:)``).
    func reading<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await database.perform(.read, work)
    }

    /// Runs a domain call that may commit, on the store's writer thread.
    func writing<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await database.perform(.write, work)
    }

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

/// Builds the router: the pages, `/api/v1`, `/api/v1/openapi.json`, `/healthz`. Each shop
/// area adds its own routes (`Routes/`), all through their access rules (``AccessPolicy``).
public func makeRouter(_ env: WebEnvironment) -> Router<KioskRequestContext> {
    let router = Router(context: KioskRequestContext.self)
    // Requests and their durations, per route, through swift-metrics (Prometheus in the daemon).
    router.add(middleware: MetricsMiddleware())
    // Every route goes through its access rule (AccessPolicy): session, role, CSRF.
    let routes = GuardedRouter(router: router, database: env.database)
    routes.addPageRoutes(env)
    routes.addLobbyRoutes(env)
    routes.addBayRoutes(env)
    routes.addCounterRoutes(env)
    routes.addTransferRoutes(env)
    routes.addPurchasingRoutes(env)
    routes.addPrintingRoutes(env)
    routes.addHubSyncRoutes(env)
    routes.addSessionRoutes(env)
    routes.addManagementRoutes(env)
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

/// What each board last said of itself when it pulled (in memory: since the hub started).
public final class DeviceSightings: Sendable {
    private let seen = Mutex<[String: ManagerView.Sighting]>([:])

    public init() {}

    func note(_ deviceID: String, queue: Int?, at time: Date = Date()) {
        seen.withLock { $0[deviceID] = ManagerView.Sighting(at: time, queue: queue) }
    }

    public var all: [String: ManagerView.Sighting] { seen.withLock { $0 } }
}
