import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How the web server protects itself from sockets that hold it without asking anything: a
/// deadline for each connection to send a request (and to send the next one on a kept-alive
/// connection), and a cap on the connections one client address holds at once.
///
/// A thousand idle connections from one laptop on the store's Wi-Fi then cost the board 64
/// sockets for at most ``idleTimeout``; the lobby screens and the counter keep their answers.
public struct ConnectionLimits: Sendable, Hashable {
    /// How long a connection may stay without a complete request head (before its first
    /// request, and between requests): then it is closed. A live-update stream (SSE) is a
    /// request in flight, not idle.
    public var idleTimeout: Duration
    /// The connections one client address may hold at once; more are closed as they open.
    /// Behind a reverse proxy every request comes from the proxy's address: raise it there.
    public var perAddress: Int
    /// How long a request may take to arrive in full once its head has: a body sent a byte at a
    /// time (which keeps the idle deadline from running out) is cut off then, and does not hold
    /// the connection, or the daemon's stop, for ever.
    public var requestTimeout: Duration

    public init(idleTimeout: Duration = .seconds(10), perAddress: Int = 64, requestTimeout: Duration = .seconds(30)) {
        self.idleTimeout = idleTimeout
        self.perAddress = perAddress
        self.requestTimeout = requestTimeout
    }

    /// The HTTP/1.1 channel configuration with these limits.
    public func http1Configuration() -> HTTP1Channel.Configuration {
        let counter = ConnectionCounter(limit: perAddress)
        let requestLimit = TimeAmount.nanoseconds(Self.nanoseconds(requestTimeout))
        return HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionCapHandler(counter: counter), RequestDeadlineHandler(limit: requestLimit)],
                                          idleTimeout: .nanoseconds(Self.nanoseconds(idleTimeout)))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// Closes a connection whose request has not arrived in full (its body's end) within `limit` of
/// its head. The idle deadline does not see a body trickled a byte a second; this does.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let limit: TimeAmount
    private var deadline: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}

/// Open connections per client address, shared by every connection's handler.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection; `false` (and not counted) when its address is at the limit.
    func admit(_ address: String) -> Bool {
        open.withLock { open in
            let now = open[address, default: 0]
            guard now < limit else { return false }
            open[address] = now + 1
            return true
        }
    }

    func release(_ address: String) {
        open.withLock { open in
            let now = open[address, default: 1] - 1
            open[address] = now > 0 ? now : nil
        }
    }

    func count(_ address: String) -> Int { open.withLock { $0[address, default: 0] } }
}

/// Closes a connection whose address holds too many already; releases its place when it closes.
final class ConnectionCapHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    let counter: ConnectionCounter
    private var address: String?

    init(counter: ConnectionCounter) { self.counter = counter }

    func handlerAdded(context: ChannelHandlerContext) {
        let key = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if counter.admit(key) {
            address = key
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { releaseOnce() }

    func channelInactive(context: ChannelHandlerContext) {
        releaseOnce()
        context.fireChannelInactive()
    }

    private func releaseOnce() {
        if let address { counter.release(address) }
        address = nil
    }
}
