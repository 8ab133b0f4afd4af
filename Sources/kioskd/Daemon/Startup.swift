import Logging
import ServiceLifecycle
import Synchronization

/// Opens once the daemon serves what it was asked to (the web server listening, when it has
/// one), so that "kioskd ready" and systemd's `READY=1` are never said of a daemon that serves
/// nothing.
final class StartupGate: Sendable {
    private let opened = Mutex(false)
    private let continuation: AsyncStream<Never>.Continuation
    private let settled: Task<Void, Never>

    init() {
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        self.continuation = continuation
        settled = Task { for await _ in stream {} }
    }

    /// Everything is up: every waiter goes on.
    func open() {
        opened.withLock { $0 = true }
        continuation.finish()
    }

    /// Waits until the gate opens: `true`; or until the waiting task is cancelled (the daemon
    /// is stopping): `false`, and every other waiter returns `false` too.
    func wait() async -> Bool {
        await withTaskCancellationHandler { await settled.value } onCancel: { continuation.finish() }
        return opened.withLock { $0 }
    }
}

/// Says "kioskd ready" once the gate opens.
struct ReadyAnnouncement: Service {
    let gate: StartupGate
    let deviceID: String
    let logger: Logger

    func run() async {
        guard await cancelWhenGracefulShutdown({ await gate.wait() }) else { return }
        logger.info("kioskd ready", metadata: ["device": "\(deviceID)"])
    }
}

/// A part the daemon cannot do without could not start: the daemon stops with this reason
/// (and systemd starts it again), rather than running on without it.
struct StartupFailure: Error, CustomStringConvertible {
    let description: String
}

/// The web server as a service of the daemon: opens the start-up gate once it listens, and
/// turns a failure to listen (the port taken, an address not on this board) into a
/// ``StartupFailure`` that says what to change.
struct WebServer: Service {
    /// The pages and API (`WebApplication`).
    let application: any Service
    let listen: String

    func run() async throws {
        do {
            try await application.run()
        } catch {
            throw StartupFailure(description: "网页服务无法在 \(listen) 上监听 / the web server cannot listen on \(listen): \(error). "
                                 + "Free the port, or choose another address with [web] listen in the config or `kioskd run --listen HOST:PORT`")
        }
    }
}
