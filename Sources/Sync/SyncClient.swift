import AsyncHTTPClient
import CompressNIO
import Foundation
import KioskCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import ServiceLifecycle

/// Why a push did not go through; the events stay in the outbox and are sent again.
public enum SyncError: Error, Sendable, Hashable, CustomStringConvertible {
    case notEnrolled(tokenFile: String)
    case unreachable(String, reason: String)
    case refused(status: Int, message: String)
    case badAnswer(String)
    case badCertificate(String, reason: String)

    public var description: String {
        switch self {
        case .notEnrolled(let file):
            "本机未在门店主机注册 / this device is not enrolled with the hub (no token in \(file)): run kioskd sync enrol --code CODE"
        case let .unreachable(url, reason): "门店主机不可达 \(url) / the hub at \(url) cannot be reached: \(reason)"
        case let .refused(status, message): "门店主机拒绝 (HTTP \(status)) / the hub refused the push: \(message)"
        case .badAnswer(let text): "门店主机回应无法识别 / the hub's answer is not understood: \(text)"
        case let .badCertificate(file, reason): "证书文件不可用 \(file) / cannot use the CA file \(file) ([sync] ca_file): \(reason)"
        }
    }
}

/// Where a device syncs to.
public struct SyncSettings: Sendable, Hashable {
    /// The hub's base URL (`http://hub:8080` or `https://…`).
    public var upstream: String
    public var deviceID: String
    /// The file holding the token enrolment gave (0600).
    public var tokenFile: String
    public var batchSize: Int
    /// PEM certificates to trust for an https upstream (the store's own CA); `nil`: the system's roots.
    public var caFile: String?
    /// Gzip the bodies when the hub takes it (learned from its answers); `false`: plain JSON
    /// both ways (for a proxy that cannot pass compressed bodies, or to compare).
    public var compress: Bool

    public init(upstream: String, deviceID: String, tokenFile: String, batchSize: Int = 500, caFile: String? = nil, compress: Bool = true) {
        self.upstream = upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream
        self.deviceID = deviceID
        self.tokenFile = tokenFile
        self.batchSize = batchSize
        self.caFile = caFile
        self.compress = compress
    }
}

/// Talks to the hub over HTTP (async-http-client): enrolment and pushes.
public struct SyncClient: Sendable {
    public let settings: SyncSettings
    let http: HTTPClient
    public var timeout: TimeAmount = .seconds(15)

    /// A client for `settings`: one that trusts the system's roots, or `settings.caFile`.
    public init(settings: SyncSettings) throws {
        self.settings = settings
        self.http = try settings.caFile.map(Self.client(trusting:)) ?? Self.systemRoots
    }

    /// Like `HTTPClient.shared`, but leaving gzip answers to ``send(_:_:body:token:sent:)``,
    /// which unpacks them up to its own limit (the shared client refuses any answer that
    /// unpacks to more than 25 times its size, which a page of similar changes can).
    static let systemRoots = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration())

    public init(settings: SyncSettings, http: HTTPClient) {
        self.settings = settings
        self.http = http
    }

    /// One HTTP client per CA file, for the life of the process (like `HTTPClient.shared`).
    static func client(trusting caFile: String) throws -> HTTPClient {
        try clients.withLock { clients in
            if let client = clients[caFile] { return client }
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw SyncError.badCertificate(caFile, reason: "the file is missing or unreadable")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw SyncError.badCertificate(caFile, reason: "\(error)")
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
            clients[caFile] = client
            return client
        }
    }
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = WireDate.encoding
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = WireDate.decoding
        return d
    }()

    /// Presents an enrolment code; stores the token the hub gives, and the key it shares with
    /// this device, in the token file (0600: the token on the first line, the key on the second).
    /// Returns the role the hub gave the device.
    @discardableResult
    public func enrol(code: String) async throws -> DeviceRole? {
        let answer: EnrolResponse = try await post("/api/v1/sync/enrol", EnrolRequest(deviceID: settings.deviceID, code: code), token: nil)
        let directory = (settings.tokenFile as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let text = answer.token + "\n" + (answer.deviceKey.map { $0 + "\n" } ?? "")
        guard FileManager.default.createFile(atPath: settings.tokenFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SyncError.badAnswer("cannot write the token to \(settings.tokenFile)")
        }
        return answer.role
    }

    private func tokenFileLines() throws -> [String] {
        guard let data = FileManager.default.contents(atPath: settings.tokenFile), let text = String(data: data, encoding: .utf8) else {
            throw SyncError.notEnrolled(tokenFile: settings.tokenFile)
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func token() throws -> String {
        guard let token = try tokenFileLines().first else { throw SyncError.notEnrolled(tokenFile: settings.tokenFile) }
        return token
    }

    /// The key this device shares with its hub, `nil` when it enrolled before keys existed.
    public func deviceKey() throws -> DeviceKey? {
        let lines = try tokenFileLines()
        return lines.count > 1 ? DeviceKey(base64: lines[1]) : nil
    }

    /// Sends one batch and returns the hub's answer; bytes sent are reported for measuring.
    public func push(_ events: [SyncEvent], auditHead: AuditHead? = nil) async throws -> (response: PushResponse, bytes: Int) {
        let body = try Self.encoder.encode(PushRequest(deviceID: settings.deviceID, events: events, auditHead: auditHead))
        let (response, sent): (PushResponse, Int) = try await exchange(.POST, "/api/v1/sync/push", body: body, token: try token())
        return (response, sent)
    }

    /// One page of the hub's changes after `cursor`.
    /// `queue`: the events waiting in this board's outbox, which the hub shows its manager.
    public func pull(after cursor: Int64, limit: Int = 1000, queue: Int? = nil) async throws -> PullResponse {
        try await send(.GET, "/api/v1/sync/pull?after=\(cursor)&limit=\(limit)" + (queue.map { "&queue=\($0)" } ?? ""), body: nil, token: try token(),
                       headers: [(PulledChange.Entity.understoodHeader, PulledChange.Entity.allCases.map(\.rawValue).joined(separator: ","))])
    }

    /// Which stores of the chain hold `part`, asked of the hub for this board's counter page
    /// (the hub reads its chain's ledger); nil when the hub has no chain. Gives up after `deadline`.
    public func chainStock(of part: String, deadline: TimeAmount = .seconds(8)) async throws -> [ChainStock]? {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "part", value: part)]
        // `+` stays literal in a query component; the hub reads it as a space.
        let encoded = (query.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var asking = self
        asking.timeout = deadline
        do {
            let answer: ChainStockAnswer = try await asking.send(.GET, "/api/v1/sync/chain-stock?" + encoded, body: nil, token: try token())
            return answer.rows
        } catch SyncError.refused(status: 409, _) {
            return nil
        }
    }

    private struct ChainStockAnswer: Decodable { var rows: [ChainStock] }

    private func post<Body: Encodable, Answer: Decodable>(_ path: String, _ value: Body, token: String?) async throws -> Answer {
        try await post(path, body: try Self.encoder.encode(value), token: token)
    }

    private func post<Answer: Decodable>(_ path: String, body: Data, token: String?) async throws -> Answer {
        try await send(.POST, path, body: body, token: token)
    }

    /// The hubs (by upstream URL) that said they take gzip request bodies (`Accept-Encoding:
    /// gzip` in an answer, RFC 7694), for the life of the process. Until one says so, pushes go
    /// as plain JSON, which every hub reads.
    static let gzipHubs = Mutex<Set<String>>([])

    /// Bodies smaller than this go plain: gzip's header and dictionary would not pay.
    static let compressAbove = 1024

    /// What the request's body is on the wire: gzip when the hub takes it and it pays.
    func wireBody(_ body: Data) throws -> (bytes: ByteBuffer, gzip: Bool) {
        var plain = ByteBuffer(bytes: body)
        guard settings.compress, body.count > Self.compressAbove, Self.gzipHubs.withLock({ $0.contains(settings.upstream) }) else { return (plain, false) }
        return (try plain.compress(with: .gzip()), true)
    }

    private func send<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?, token: String?,
                                         headers: [(String, String)] = []) async throws -> Answer {
        try await exchange(method, path, body: body, token: token, headers: headers).answer
    }

    /// One request and its decoded answer, with the bytes the body took on the wire.
    private func exchange<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?, token: String?,
                                             headers: [(String, String)] = []) async throws -> (answer: Answer, sent: Int) {
        var request = HTTPClientRequest(url: settings.upstream + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if settings.compress { request.headers.add(name: "Accept-Encoding", value: "gzip") }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        var compressed = false, sentBytes = 0
        if let body {
            let wire = try wireBody(body)
            compressed = wire.gzip
            request.headers.add(name: "Content-Type", value: "application/json")
            if wire.gzip { request.headers.add(name: "Content-Encoding", value: "gzip") }
            request.body = .bytes(wire.bytes)
            sentBytes = wire.bytes.readableBytes
        }
        let response: HTTPClientResponse
        var bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw SyncError.unreachable(settings.upstream, reason: "\(error)")
        }
        if response.headers[canonicalForm: "Accept-Encoding"].contains(where: { $0.lowercased().hasPrefix("gzip") }) {
            Self.gzipHubs.withLock { _ = $0.insert(settings.upstream) }
        } else if compressed, response.status == .unsupportedMediaType || response.status == .badRequest {
            // A hub that no longer says it takes gzip (replaced by an older one, which reads
            // the packed body as bad JSON, or behind a proxy that drops the header): send this
            // one plain, and the next ones until it says so again.
            Self.gzipHubs.withLock { _ = $0.remove(settings.upstream) }
            return try await exchange(method, path, body: body, token: token)
        }
        // Unpacked here unless the HTTP client did it already (the shared one does).
        if response.headers.first(name: "Content-Encoding")?.lowercased() == "gzip", bytes.readableBytesView.starts(with: [0x1F, 0x8B]) {
            do {
                bytes = try bytes.decompress(with: .gzip(), maxSize: 64 << 20)
            } catch {
                throw SyncError.badAnswer("the hub's gzip answer is corrupt or larger than 64 MiB: \(error)")
            }
        }
        guard response.status == .ok || response.status == .created else {
            let message = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any])
                .flatMap { ($0["error"] as? [String: Any])?["message"] as? String } ?? String(buffer: bytes)
            throw SyncError.refused(status: Int(response.status.code), message: message)
        }
        do {
            return (try Self.decoder.decode(Answer.self, from: Data(bytes.readableBytesView)), sentBytes)
        } catch {
            throw SyncError.badAnswer(String(String(buffer: bytes).prefix(200)))
        }
    }
}

/// A device's sync loop: sends the outbox in batches as soon as a commit puts something in it
/// (the store's change stream wakes it; nothing polls the store), pulls the hub's changes after
/// each push and every `pullEvery` otherwise, and after a failure waits with exponential backoff
/// and jitter (0.5 s doubling to 30 s). Its waits and its sense of time come from `clock`, so
/// that a test can step through the backoff without sleeping.
public struct SyncService: Service {
    let client: SyncClient
    let database: KioskDatabase
    let health: HealthBoard
    let logger: Logger
    let pullEvery: Duration
    /// The loop on the clock it was given (a stored generic closure keeps the service's type
    /// free of the clock's).
    private let loop: @Sendable (SyncService) async throws -> Void

    public init<C: Clock<Duration>>(client: SyncClient, database: KioskDatabase, health: HealthBoard, logger: Logger,
                                    pullEvery: Duration = .seconds(2), clock: C = ContinuousClock()) {
        self.client = client
        self.database = database
        self.health = health
        self.logger = logger
        self.pullEvery = pullEvery
        self.loop = { service in try await service.loop(on: clock) }
    }

    /// How long the loop waits after its `failures`-th failure in a row: 0.5 s doubling to
    /// 30 s, each time a random part of it between a half and the whole (so that the boards
    /// of a store do not all come back to the hub at once).
    static func backoff(afterFailures failures: Int) -> Duration {
        let seconds = min(30.0, 0.5 * pow(2.0, Double(min(failures - 1, 10))))
        return .milliseconds(Int(seconds * Double.random(in: 0.5...1.0) * 1000))
    }

    /// Takes every change the hub has after this device's cursor; returns how many.
    @discardableResult
    public static func pull(_ client: SyncClient, database: KioskDatabase) async throws -> Int {
        try await adoptKey(client, database: database)
        let outbox = database.outbox
        var applied = 0
        while true {
            let (cursor, queue) = try await database.perform(.read) { (try outbox.pullCursor(), try outbox.status().queueDepth) }
            let page = try await client.pull(after: cursor, queue: queue)
            if !page.changes.isEmpty || page.cursor > cursor { try await database.perform(.write) { try outbox.apply(page) } }
            applied += page.changes.count
            if !page.more { return applied }
        }
    }

    /// Sends everything waiting, batch by batch; returns how many events went.
    @discardableResult
    public static func drain(_ client: SyncClient, database: KioskDatabase, logger: Logger? = nil) async throws -> Int {
        try await drainMeasured(client, database: database, logger: logger).events
    }

    /// ``drain(_:database:logger:)``, also counting the request bytes sent.
    public static func drainMeasured(_ client: SyncClient, database: KioskDatabase, logger: Logger? = nil) async throws -> (events: Int, bytes: Int) {
        try await adoptKey(client, database: database)
        let outbox = database.outbox, batch = client.settings.batchSize
        var sent = 0, bytes = 0, batches = 0
        let started = ContinuousClock.now
        while true {
            let (events, auditHead) = try await database.perform(.read) { (try outbox.pending(limit: batch), try outbox.auditHead()) }
            guard !events.isEmpty else {
                // A backlog (after an outage) was sent in several batches: say that it is done.
                if batches > 1 {
                    logger?.info("同步补传完毕 / sync caught up", metadata: ["sent": "\(sent)", "batches": "\(batches)",
                                                                              "seconds": "\(String(format: "%.1f", (ContinuousClock.now - started).inSeconds))"])
                }
                return (sent, bytes)
            }
            do {
                let (response, size) = try await client.push(events, auditHead: auditHead)
                bytes += size
                try await database.perform(.write) { try outbox.acknowledge(response) }
                for r in response.rejected {
                    logger?.warning("hub refused a job move; taking its state", metadata: ["ticket": "\(r.ticketCode)", "hubState": "\(r.hubState.rawValue)", "reason": "\(r.reason)"])
                }
                sent += events.count
                batches += 1
                // A full batch means more may wait: a board draining a backlog says how far it is,
                // batch by batch, instead of staying silent until the end.
                if events.count == batch, let logger {
                    let waiting = try await database.perform(.read) { try outbox.status().queueDepth }
                    if waiting > 0 {
                        logger.info("同步补传中 / sync catching up", metadata: ["sent": "\(sent)", "waiting": "\(waiting)"])
                    }
                }
            } catch {
                let text = "\(error)"
                try await database.perform(.write) { try outbox.recordFailure(text) }
                throw error
            }
        }
    }

    /// The store keeps the key from the token file (sealed), for what it seals, opens and
    /// checks without the file at hand (PIN verifiers); a new key starts the pull over.
    static func adoptKey(_ client: SyncClient, database: KioskDatabase) async throws {
        if let key = try client.deviceKey() {
            let outbox = database.outbox
            _ = try await database.perform(.write) { try outbox.setDeviceKey(key) }
        }
    }

    public func run() async throws {
        try await loop(self)
    }

    private func loop<C: Clock<Duration>>(on clock: C) async throws {
        var failures = 0
        var lastPull = clock.now.advanced(by: .seconds(-60))
        var lastPrune = clock.now.advanced(by: .seconds(-7200))
        let changes = database.changes
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Read before the outbox is: a commit made while this round works wakes the next wait.
            let seen = changes.version(of: [.sync])
            var backoff: Duration?
            do {
                let sent = try await Self.drain(client, database: database, logger: logger)
                // Pushed first, then pulled (every pullEvery, or after a push): the hub's state
                // then already holds this device's moves.
                if sent > 0 || lastPull.duration(to: clock.now) >= pullEvery {
                    try await Self.pull(client, database: database)
                    lastPull = clock.now
                }
                if lastPrune.duration(to: clock.now) > .seconds(3600) {
                    // Acknowledged events older than a week leave the outbox (the hub has them).
                    let outbox = database.outbox
                    let pruned = try await database.perform(.write) { try outbox.prune() }
                    if pruned > 0 { logger.info("outbox pruned", metadata: ["events": "\(pruned)"]) }
                    lastPrune = clock.now
                }
                if failures > 0 { logger.info("sync resumed", metadata: ["sent": "\(sent)"]) }
                failures = 0
                let outbox = database.outbox
                let status = try await database.perform(.read) { try outbox.status() }
                health.set("sync", .ok("upstream \(client.settings.upstream), queue \(status.queueDepth)"))
            } catch {
                failures += 1
                let pause = Self.backoff(afterFailures: failures)
                let outbox = database.outbox
                let waiting = (try? await database.perform(.read) { try outbox.status().queueDepth }) ?? -1
                health.set("sync", .degraded("\(error) (\(waiting) events waiting)"))
                if failures == 1 || failures % 10 == 0 { logger.warning("\(error)", metadata: ["waiting": "\(waiting)", "retryIn": "\(pause)"]) }
                backoff = pause
            }
            // Both waits end at once when the daemon begins to stop.
            if let backoff {
                // The hub is away: new events wait in the outbox until the backoff is over.
                try? await cancelWhenGracefulShutdown { try await clock.sleep(for: backoff) }
            } else {
                // Until the outbox gains an event, or it is time to pull.
                let untilPull = max(.milliseconds(10), pullEvery - lastPull.duration(to: clock.now))
                _ = await cancelWhenGracefulShutdown { await changes.waitForChange(of: [.sync], after: seen, timeout: untilPull, clock: clock) }
            }
        }
    }
}
