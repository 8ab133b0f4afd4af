import Testing

/// The bound of a polling wait in a test, counted in the time the waiting task was actually
/// running to look, not in wall time.
///
/// `swift test` runs every test at once on the concurrency pool, which has two threads on a
/// two-core board. CPU-bound tests ahead of a waiter can keep it, and the code it waits for,
/// off both threads for longer than any wall-clock bound: CI saw four scanner-source tests
/// fail at 60 s when, once they were scheduled again, their sources had simply not run yet.
/// Here each look adds at most `step` to the time spent, so a wait starved by the pool is not
/// charged for it. A wait that can never end still ends: at `timeout` of looking, or at
/// `wallLimit` (five times the timeout) of wall time, whichever comes first.
public struct WaitBudget: Sendable {
    public let timeout: Duration
    public let step: Duration
    public let wallLimit: Duration
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    /// The time charged so far: the waiter's own looks.
    public private(set) var spent: Duration = .zero

    public init(timeout: Duration, step: Duration = .milliseconds(100), wallLimit: Duration? = nil) {
        self.timeout = timeout
        self.step = step
        self.wallLimit = wallLimit ?? timeout * 5
        started = clock.now
        last = started
    }

    /// Charges the time since the last look (at most `step`); false once the wait is over.
    public mutating func look() -> Bool {
        let now = clock.now
        spent += min(now - last, step)
        last = now
        return spent < timeout && now - started < wallLimit
    }

    /// What the wait came to, for its failure message.
    public var account: String {
        "\(timeout) of looking (\(spent) spent, \(clock.now - started) of wall time)"
    }
}

/// Waits for `condition`, polling every 10 ms, for at most `timeout` of looking (a
/// ``WaitBudget``: the tests share two cores with the rest of the suite, which can keep this
/// task and what it waits for off them), and fails with `what` if it never holds: the issue
/// is recorded where the wait was called, and the wait throws.
public func waitUntil(_ what: @autoclosure () -> String, timeout: Duration = .seconds(60),
                      sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool) async throws {
    var budget = WaitBudget(timeout: timeout)
    while !condition() {
        guard budget.look() else {
            Issue.record("waited \(budget.account) for \(what())", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
