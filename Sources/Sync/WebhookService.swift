import AsyncHTTPClient
import Foundation
import KioskCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the store's events to the endpoints of its other systems (`[[webhooks]]`) as
/// CloudEvents 1.0 in structured JSON mode, signed (``WebhookSignature``): at least once, each
/// under its stable id, tried again with back-off, and kept on the dead-letter list after the
/// endpoint's last try (``Webhooks/replay(eventIDs:endpoint:actor:at:)`` sends them again).
/// Each endpoint has its own loop: one that is down or slow holds up no other.
public struct WebhookService: Service {
    /// An endpoint and the secret its requests are signed with (from a credential file).
    public struct Target: Sendable {
        public var endpoint: WebhookEndpoint
        public var secret: Data
        public init(endpoint: WebhookEndpoint, secret: Data) { (self.endpoint, self.secret) = (endpoint, secret) }
    }

    let targets: [Target]
    let source: String
    let database: KioskDatabase
    let health: HealthBoard
    let logger: Logger
    /// The longest wait between looks at what is due when no commit wakes the loop (a new
    /// event wakes it at once, through the store's change stream; a retry falls due on its own
    /// time).
    let idle: Duration

    /// `source`: the CloudEvents `source` of every event, a URI-reference naming this kioskd.
    public init(targets: [Target], source: String, database: KioskDatabase, health: HealthBoard, logger: Logger, idle: Duration = .seconds(60)) {
        (self.targets, self.source, self.database, self.health, self.logger, self.idle) = (targets, source, database, health, logger, idle)
    }

    public func run() async throws {
        // A client of its own: no redirects (a 3xx is a failure, never a POST of the signed body
        // to somewhere else), a short connect timeout, a bounded wait for the answer.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(3), read: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await withTaskGroup(of: Void.self) { group in
            for target in targets {
                group.addTask { await self.deliverAll(to: target, http: http) }
            }
            group.addTask { await self.watch() }
            await group.waitForAll()
        }
        try? await http.shutdown()
    }

    private var running: Bool { !Task.isCancelled && !Task.isShuttingDownGracefully }

    /// One endpoint's loop: what is due, oldest first, one at a time.
    private func deliverAll(to target: Target, http: HTTPClient) async {
        let webhooks = database.webhooks, name = target.endpoint.name, changes = database.changes
        while running {
            do {
                // Read before what is due: an event committed while this round sends wakes the wait.
                let seen = changes.version(of: [.sync])
                let due = try await database.perform(.read) { try webhooks.due(endpoint: name, limit: 20) }
                for delivery in due {
                    guard running else { return }
                    try await deliver(delivery, to: target, http: http)
                }
                if due.isEmpty {
                    // Until a new event (a commit to the events wakes it) or the next retry falls due.
                    let next = try await database.perform(.read) { try webhooks.nextDue(endpoint: name) }
                    let wait = next.map { min(idle, .milliseconds(max(50, Int64($0.timeIntervalSinceNow * 1000)))) } ?? idle
                    _ = await cancelWhenGracefulShutdown { await changes.waitForChange(of: [.sync], after: seen, timeout: wait) }
                }
            } catch {
                logger.warning("webhooks: \(error)", metadata: ["endpoint": "\(name)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }

    /// Health after every change of the deliveries (at most every few seconds), and the old
    /// deliveries pruned once an hour.
    private func watch() async {
        let webhooks = database.webhooks, changes = database.changes
        var lastPrune = ContinuousClock.now - .seconds(7200)
        while running {
            let seen = changes.version(of: [.sync])
            do {
                let status = try await database.perform(.read) { try webhooks.status() }
                let pending = status.reduce(0) { $0 + $1.pending }, dead = status.reduce(0) { $0 + $1.dead }
                health.set("webhooks", dead > 0 ? .degraded("\(dead) on the dead-letter list (kioskd webhooks dead), \(pending) pending")
                                                : .ok("\(pending) pending"))
                if ContinuousClock.now - lastPrune > .seconds(3600) {
                    let pruned = try await database.perform(.write) { try webhooks.prune() }
                    if pruned > 0 { logger.info("webhook events pruned", metadata: ["events": "\(pruned)"]) }
                    lastPrune = .now
                }
            } catch {
                health.set("webhooks", .degraded("\(error)"))
            }
            // A burst of events is summed up once in a few seconds, not once per event.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
            _ = await cancelWhenGracefulShutdown { await changes.waitForChange(of: [.sync], after: seen, timeout: .seconds(3600)) }
        }
    }

    /// Sends one delivery and records what came of it.
    func deliver(_ delivery: DueDelivery, to target: Target, http: HTTPClient) async throws {
        let webhooks = database.webhooks
        let failure: String?
        do {
            let body = try delivery.event.cloudEvent(source: source)
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/cloudevents+json; charset=utf-8")
            request.headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(body, secret: target.secret, at: Date()))
            request.headers.add(name: "Kioskd-Delivery-Attempt", value: String(delivery.attempts + 1))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await http.execute(request, timeout: .seconds(15))
            _ = try? await response.body.collect(upTo: 64 << 10)
            failure = (200..<300).contains(Int(response.status.code)) ? nil : "HTTP \(response.status.code) \(response.status.reasonPhrase)"
        } catch {
            failure = "\(error)"
        }
        if let failure {
            let dead = try await database.perform(.write) { try webhooks.failed(delivery, error: failure, endpoint: target.endpoint) }
            if dead {
                logger.error("webhook gave up: on the dead-letter list", metadata: ["endpoint": "\(delivery.endpoint)", "event": "\(delivery.event.id)",
                                                                                     "type": "\(delivery.event.type)", "error": "\(failure)"])
            } else if delivery.attempts == 0 {
                logger.warning("webhook failed: trying again", metadata: ["endpoint": "\(delivery.endpoint)", "event": "\(delivery.event.id)", "error": "\(failure)"])
            }
        } else {
            try await database.perform(.write) { try webhooks.delivered(delivery) }
        }
    }
}
