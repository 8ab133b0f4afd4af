import Foundation
import Hummingbird
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

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
