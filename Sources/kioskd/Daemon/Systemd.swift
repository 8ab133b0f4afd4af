import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// systemd's notification protocol (`sd_notify`) without libsystemd: one datagram per
/// message to the Unix socket named by `$NOTIFY_SOCKET` (a leading `@` is the abstract namespace).
struct SystemdNotifier: Sendable {
    let socketPath: String

    /// `nil` when kioskd does not run under systemd with `Type=notify`.
    init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        socketPath = path
    }

    /// Sends `READY=1`, `WATCHDOG=1`, `STOPPING=1`, `STATUS=…` (newline-separated). Returns
    /// whether the datagram went out.
    @discardableResult
    func send(_ message: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(socketPath.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        // An abstract name is exactly its bytes; a path also counts its terminating NUL.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, text, strlen(text), 0, $0, length) }
            }
        }
        return sent >= 0
    }

    /// Half the watchdog period systemd asks for (`WatchdogSec=`), if it asks and means this process.
    static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(usec / 2)
    }
}

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
    func storeProblem() async -> String? {
        let outcome = Mutex<String??>(nil)   // nil: still waiting; .some(nil): fine
        let database = database
        Task.detached {
            do {
                try database.pool.write { try $0.execute(sql: "SELECT 1") }
                outcome.withLock { $0 = .some(nil) }
            } catch {
                outcome.withLock { $0 = .some("store write failed: \(error)") }
            }
        }
        let deadline = ContinuousClock.now + writerTimeout
        while ContinuousClock.now < deadline {
            if let done = outcome.withLock({ $0 }) { return done }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return "the store's writer did not answer within \(writerTimeout)"
    }
}

/// Takes the scheduled backups: sleeps until the next run, takes a full copy or an
/// increment, prunes, and reports in health. A failed backup is a named fault, retried at
/// the next run.
struct BackupService: Service {
    let backups: Backups
    let schedule: BackupSchedule
    let health: HealthBoard
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let next = schedule.nextRun(after: Date())
            health.set("backup", .ok("next backup \(ISO8601DateFormatter().string(from: next)) into \(backups.directory.path)"))
            let wait = Duration.seconds(max(0, next.timeIntervalSinceNow))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            do {
                let record = try backups.scheduledRun(schedule)
                logger.info("backup taken", metadata: ["kind": "\(record.kind.rawValue)", "file": "\(record.file)"])
            } catch {
                health.set("backup", .degraded("备份失败 backup failed: \(error)"))
                logger.error("备份失败 backup failed: \(error)")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
            }
        }
    }
}
