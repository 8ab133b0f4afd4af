import Foundation
import Hummingbird
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

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
            entry.tokens = min(capacity, entry.tokens + elapsed.inSeconds * refillPerSecond)
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
