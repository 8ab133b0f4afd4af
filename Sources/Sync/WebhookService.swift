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
public struct WebhookService: Service {
    /// An endpoint and the secret its requests are signed with (from a credential file).
    public struct Target: Sendable {
        public var endpoint: WebhookEndpoint
        public var secret: Data
        public init(endpoint: WebhookEndpoint, secret: Data) { (self.endpoint, self.secret) = (endpoint, secret) }
    }

    let targets: [String: Target]
    let source: String
    let database: KioskDatabase
    let http: HTTPClient
    let health: HealthBoard
    let logger: Logger
    /// The longest wait between looks at what is due (a new event is sent within it).
    let idle: Duration

    /// `source`: the CloudEvents `source` of every event, a URI-reference naming this kioskd.
    public init(targets: [Target], source: String, database: KioskDatabase, http: HTTPClient = .shared, health: HealthBoard,
                logger: Logger, idle: Duration = .milliseconds(500)) {
        self.targets = Dictionary(uniqueKeysWithValues: targets.map { ($0.endpoint.name, $0) })
        (self.source, self.database, self.http, self.health, self.logger, self.idle) = (source, database, http, health, logger, idle)
    }

    public func run() async throws {
        let webhooks = database.webhooks
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let due = try await database.perform(.read) { try webhooks.due() }
                for delivery in due {
                    try await deliver(delivery)
                }
                if due.isEmpty {
                    let next = try await database.perform(.read) { try webhooks.nextDue() }
                    let wait = next.map { min(idle, .milliseconds(max(10, Int64($0.timeIntervalSinceNow * 1000)))) } ?? idle
                    try? await Task.sleep(for: wait)
                }
                let status = try await database.perform(.read) { try webhooks.status() }
                let pending = status.reduce(0) { $0 + $1.pending }, dead = status.reduce(0) { $0 + $1.dead }
                health.set("webhooks", dead > 0 ? .degraded("\(dead) on the dead-letter list (kioskd webhooks dead), \(pending) pending")
                                                : .ok("\(pending) pending"))
            } catch {
                health.set("webhooks", .degraded("\(error)"))
                logger.warning("webhooks: \(error)")
                try? await Task.sleep(for: idle)
            }
        }
    }

    /// Sends one delivery and records what came of it.
    func deliver(_ delivery: DueDelivery) async throws {
        guard let target = targets[delivery.endpoint] else { return }
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
            let response = try await http.execute(request, timeout: .seconds(10))
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
