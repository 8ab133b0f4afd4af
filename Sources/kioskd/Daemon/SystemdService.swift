import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// Tells systemd the daemon is ready (once the start-up gate opens), pings its watchdog only while the daemon is really
/// healthy (the store's writer answers), and says when it is stopping. A wedged writer
/// withholds the ping, so systemd restarts kioskd (`Restart=on-failure`).
struct SystemdService: Service {
    let notifier: SystemdNotifier
    /// READY=1 waits for it: systemd hears "ready" only once the daemon serves.
    let ready: StartupGate
    let watchdogInterval: Duration?
    let database: KioskDatabase
    let logger: Logger
    /// How long the writer may take to answer before the daemon counts as wedged.
    var writerTimeout: Duration = .seconds(5)

    func run() async throws {
        guard await cancelWhenGracefulShutdown({ await ready.wait() }) else { return }
        if let problem = await storeProblem() { logger.error("not ready: \(problem)") }
        notifier.send("READY=1\nSTATUS=kioskd ready")
        logger.info("systemd notified: ready", metadata: ["watchdog": "\(watchdogInterval.map { "\($0)" } ?? "off")"])
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let interval = watchdogInterval ?? .seconds(3600)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully, watchdogInterval != nil else { continue }
            if let problem = await storeProblem() {
                logger.error("看门狗未喂 watchdog withheld: \(problem)")
                notifier.send("STATUS=unhealthy: \(problem)")
            } else {
                notifier.send("WATCHDOG=1")
            }
        }
        notifier.send("STOPPING=1\nSTATUS=kioskd stopping")
    }

    /// `nil` when the writer runs a statement within ``writerTimeout``; otherwise why not.
    ///
    /// It asks the daemon's own writer connection, without a transaction, through GRDB's
    /// async API (on the writer's queue, never holding a thread of the concurrency pool), and
    /// races a timer; whichever ends first answers. A writer stuck in its own transaction (a
    /// stalled disk) does not answer; a write lock held by another process (a long
    /// `kioskd parts import`) is not the daemon being wedged, and a restart would not help, so
    /// it does not withhold the ping. A writer that never answers leaves only its own task
    /// waiting, not the watchdog.
    func storeProblem() async -> String? {
        let database = database, timeout = writerTimeout
        let answer = FirstAnswer()
        return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let timer = Task.detached {
                try? await Task.sleep(for: timeout)
                if answer.claim() { continuation.resume(returning: "the store's writer did not answer within \(timeout)") }
            }
            Task.detached {
                let result: String?
                do {
                    try await database.pool.writeWithoutTransaction { try $0.execute(sql: "SELECT 1") }
                    result = nil
                } catch {
                    result = "store write failed: \(error)"
                }
                if answer.claim() {
                    timer.cancel()
                    continuation.resume(returning: result)
                }
            }
        }
    }
}

/// The first of several racing tasks to claim it gets to answer; the others do nothing.
final class FirstAnswer: Sendable {
    private let claimed = Mutex(false)
    func claim() -> Bool { claimed.withLock { done in defer { done = true }; return !done } }
}
