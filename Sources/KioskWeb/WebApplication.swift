import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves a responder the way Hummingbird's `Application` does, without its date cache.
///
/// `Application.run()` keeps the `Date` header in a cache that a timer refreshes every second,
/// whether or not anyone asks for a page: on a bay board that is idle all night, that timer was
/// most of the daemon's wake-ups. Here the header is formatted when a response needs it, at most
/// once a second (``HTTPDate``), and nothing runs between requests.
public struct WebApplication<Responder: HTTPResponder>: Service
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let responder: Responder
    let server: HTTPServerBuilder
    let configuration: ServerConfiguration
    let onServerRunning: @Sendable (any Channel) async -> Void
    let logger: Logger

    /// - Parameters:
    ///   - responder: usually `router.buildResponder()`.
    ///   - server: HTTP/1.1 or TLS, as for `Application`.
    ///   - configuration: the address to listen on; its `serverName` goes into each response.
    ///   - onServerRunning: called once the server listens.
    public init(responder: Responder, server: HTTPServerBuilder = .http1(), configuration: ServerConfiguration,
                onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }, logger: Logger) {
        self.responder = responder
        self.server = server
        self.configuration = configuration
        self.onServerRunning = onServerRunning
        self.logger = logger
    }

    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let serverName = configuration.serverName
        let dates = HTTPDate()
        let service = try server.buildServer(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { (request, responseWriter: consuming ResponseWriter, channel) in
            let requestLogger = logger.with(metadataKey: "hb.request.id", value: .stringConvertible(RequestID()))
            let response = try await withLogger(requestLogger) { requestLogger in
                let context = Responder.Context(source: .init(channel: channel, logger: requestLogger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch let error as HTTPParserError {
                    throw error
                } catch {
                    requestLogger.debug("Unrecognised Error", metadata: ["error.type": "\(error)"])
                    response = Response(status: .internalServerError, body: .init())
                }
                response.headers[.date] = dates.now()
                if let serverName { response.headers[.server] = serverName }
                return response
            }
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                // The request's body turned out malformed while the response was on its way:
                // close the connection instead of answering a second time.
                throw ParseErrorWhileWritingResponse()
            }
        } onServerRunning: { await onServerRunning($0) }
        try await service.run()
    }

    private struct ParseErrorWhileWritingResponse: Error {}
}

extension Logger {
    fileprivate func with(metadataKey key: String, value: Logger.MetadataValue) -> Logger {
        var logger = self
        logger[metadataKey: key] = value
        return logger
    }
}

/// The `Date` header (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"), formatted on
/// demand and kept for the rest of its second.
public final class HTTPDate: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    public init() {}

    /// Now, as a `Date` header.
    public func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = Int(spec.tv_sec)
        if let hit = cached.withLock({ $0.second == second ? $0.text : nil }) { return hit }
        let text = Self.format(secondsSince1970: second)
        cached.withLock { $0 = (second, text) }
        return text
    }

    /// One instant as a `Date` header.
    public static func format(secondsSince1970 seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
