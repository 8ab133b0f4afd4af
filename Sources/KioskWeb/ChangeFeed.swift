import Foundation
import Hummingbird
import GRDB
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// Tells the pages that something changed: a version number that goes up, and a stream per
/// listener. Pages refetch what they show when it moves.
public final class ChangeFeed: Sendable {
    private struct State {
        var version = 0
        var listeners: [UUID: AsyncStream<Int>.Continuation] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public var version: Int { state.withLock { $0.version } }

    /// Bumps the version and wakes every listener.
    public func bump() {
        let (version, listeners) = state.withLock { s -> (Int, [AsyncStream<Int>.Continuation]) in
            s.version += 1
            return (s.version, Array(s.listeners.values))
        }
        for l in listeners { l.yield(version) }
    }

    /// A stream of versions, starting with the current one; ends when the caller stops.
    public func subscribe() -> AsyncStream<Int> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let current = state.withLock { s -> Int in
            s.listeners[id] = continuation
            return s.version
        }
        continuation.yield(current)
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    func finishAll() {
        let listeners = state.withLock { s -> [AsyncStream<Int>.Continuation] in defer { s.listeners = [:] }; return Array(s.listeners.values) }
        for l in listeners { l.finish() }
    }
}

/// Watches the store for changes made by anyone (this daemon, `kioskd` commands, another
/// process) with a cheap fingerprint query, and bumps the feed when it moves.
public struct ChangeWatcher: Service {
    let database: KioskDatabase
    let feed: ChangeFeed
    let interval: Duration

    public init(database: KioskDatabase, feed: ChangeFeed, interval: Duration = .milliseconds(300)) {
        self.database = database
        self.feed = feed
        self.interval = interval
    }

    public func run() async throws {
        var last: [DatabaseValue] = []
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if let now = try? fingerprint(), now != last {
                if !last.isEmpty { feed.bump() }
                last = now
            }
            try? await Task.sleep(for: interval)
        }
        feed.finishAll()
    }

    func fingerprint() throws -> [DatabaseValue] {
        try database.pool.read { db in
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT (SELECT MAX(seq) FROM scan_log), (SELECT MAX(seq) FROM stock_movement),
                       (SELECT COUNT(*) FROM job_transition), (SELECT COUNT(*) FROM job_clock WHERE offAt IS NULL),
                       (SELECT COUNT(*) FROM parts_request WHERE clearedAt IS NULL), (SELECT COUNT(*) FROM stock_alert WHERE clearedAt IS NULL),
                       (SELECT COUNT(*) FROM stocktake_scan), (SELECT COUNT(*) FROM workshop_event),
                       (SELECT MAX(seq) FROM hub_change), (SELECT MAX(id) FROM print_job), (SELECT MAX(lastAttemptAt) FROM print_job),
                       (SELECT MAX(rowid) FROM bay_press), (SELECT MAX(rowid) FROM vehicle_movement),
                       (SELECT MAX(rowid) FROM yard_alert), (SELECT COUNT(*) FROM yard_alert WHERE clearedAt IS NULL)
                """))!
            return (0..<row.count).map { row[$0] as DatabaseValue }
        }
    }
}

/// A token bucket per client, for the phone page's look-ups: a ticket token cannot be
/// guessed, and this keeps anyone from trying.
public final class RateLimiter: Sendable {
    let capacity: Double
    let refillPerSecond: Double
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    public init(capacity: Int, perMinute: Int) {
        self.capacity = Double(capacity)
        refillPerSecond = Double(perMinute) / 60
    }

    /// Takes one token for `key`; `false` when the client is over its limit.
    public func allow(_ key: String, now: ContinuousClock.Instant = .now) -> Bool {
        take(key, now: now) == nil
    }

    /// Takes one token for `key`: `nil` when allowed, otherwise the seconds until the next
    /// token (for `Retry-After`).
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> TimeInterval? {
        buckets.withLock { b in
            var entry = b[key] ?? (capacity, now)
            let elapsed = now - entry.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            entry.tokens = min(capacity, entry.tokens + seconds * refillPerSecond)
            entry.at = now
            guard entry.tokens >= 1 else {
                b[key] = entry
                return (1 - entry.tokens) / refillPerSecond
            }
            entry.tokens -= 1
            b[key] = entry
            if b.count > 10_000 { b = b.filter { $0.value.tokens < capacity } }
            return nil
        }
    }
}

/// The limits on PIN attempts (sign-in and clocking on or off at a touch page): a token bucket
/// per client address, and one for the whole device. Together with the per-badge lockout they
/// keep guessing slow: one address gets 10 attempts a minute, every address together 60.
public struct PINAttemptLimiter: Sendable {
    public let perAddress: RateLimiter
    public let overall: RateLimiter

    public init(perAddress: RateLimiter = RateLimiter(capacity: 10, perMinute: 10), overall: RateLimiter = RateLimiter(capacity: 60, perMinute: 60)) {
        self.perAddress = perAddress
        self.overall = overall
    }

    /// Takes an attempt for `address`; refuses with 429 and `Retry-After` when over a limit.
    func admit(_ address: String) throws {
        if let wait = perAddress.take(address) ?? overall.take("*") {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: String(seconds)],
                            message: "尝试过于频繁，请 \(seconds) 秒后再试 / too many PIN attempts: try again in \(seconds) s")
        }
    }
}
