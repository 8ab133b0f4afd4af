import Synchronization

/// A clock that moves only when a test moves it: time-driven behaviour (a lamp's blink, a
/// flash's end, a retry's backoff) is checked at exact instants, with no sleeping.
///
/// A task sleeping on it waits until ``advance(by:)`` reaches its deadline (or it is cancelled).
/// ``waitForSleepers(_:what:)`` waits, bounded and saying what for, until the code under test is
/// asleep on the clock: it has finished reacting to the last move.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol, CustomStringConvertible {
        /// Time since the clock was made.
        public var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>?
    }
    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
        var cancelled: Set<Int> = []
    }
    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// The deadlines of the tasks asleep on the clock now, soonest first, as offsets from now.
    public var pendingSleeps: [Duration] {
        state.withLock { s in s.sleepers.values.filter { $0.continuation != nil }.map { s.now.duration(to: $0.deadline) }.sorted() }
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= s.now { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let sleeper = s.sleepers.removeValue(forKey: id) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return sleeper.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Moves time on by `duration`, waking every sleeper whose deadline it reaches.
    public func advance(by duration: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now = s.now.advanced(by: duration)
            let ids = s.sleepers.filter { $0.value.deadline <= s.now }.map(\.key)
            return ids.compactMap { s.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits until `count` tasks sleep on the clock (the code under test is done reacting),
    /// at most `timeout` of looking (``WaitBudget``); throws naming `what` if they never do.
    public func waitForSleepers(_ count: Int = 1, what: String, timeout: Duration = .seconds(60)) async throws {
        var budget = WaitBudget(timeout: timeout)
        while pendingSleeps.count < count {
            guard budget.look() else { throw ManualClockTimeout(what: what, waited: timeout) }
            await Task.yield()
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// The code under test never went to sleep on the ``ManualClock``.
public struct ManualClockTimeout: Error, CustomStringConvertible {
    public let what: String
    public let waited: Duration
    public var description: String { "waited \(waited) for \(what): nothing went to sleep on the manual clock" }
}
