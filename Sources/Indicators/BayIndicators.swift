import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// The GPIO lines of one bay's stack light and buzzer.
public struct StackLightConfig: Sendable, Hashable {
    /// The chip: a path (`/dev/gpiochip0`), name (`gpiochip0`), label or number.
    public var chip: String
    public var lamps: [Lamp: LineRef]
    public var buzzer: LineRef?
    public var mapping: LampMapping
    /// Lamps lit when kioskd stops (everything else off).
    public var safeLamps: Set<Lamp>
    /// How long the safe state is held before the lines are released on shutdown: some GPIO
    /// drivers (gpio-sim among them) drop a released line back to its pull.
    public var safeHold: Duration
    public var consumer: String

    public init(chip: String, lamps: [Lamp: LineRef], buzzer: LineRef? = nil, mapping: LampMapping = .standard,
                safeLamps: Set<Lamp> = [], safeHold: Duration = .milliseconds(300), consumer: String = "kioskd") {
        self.chip = chip
        self.lamps = lamps
        self.buzzer = buzzer
        self.mapping = mapping
        self.safeLamps = safeLamps
        self.safeHold = safeHold
        self.consumer = consumer
    }
}

/// Short signals over the state's pattern: the buzzer's chirps, a lamp flash for a scan.
public enum IndicatorSignal: Sendable, Hashable {
    /// A scan's or a button press's outcome (see ``ScanOutcome`` for the table).
    case outcome(ScanOutcome)
    case callForHelp
    /// Someone acknowledged at the bay: stop the flash and the buzzer now.
    case acknowledge

    var chirp: Chirp? {
        switch self {
        case .outcome(let outcome): Chirp.for(outcome)
        case .callForHelp: .callForHelp
        case .acknowledge: nil
        }
    }

    /// The lamp flashed over the pattern, and for how long.
    var flash: (Lamp, LampPattern, Duration)? {
        switch self {
        case .outcome(let outcome): Self.flash(for: outcome)
        case .callForHelp: (.red, .fastBlink, .seconds(30))
        case .acknowledge: nil
        }
    }

    /// The lamp, its pattern and how long it shows, per outcome.
    public static func flash(for outcome: ScanOutcome) -> (Lamp, LampPattern, Duration) {
        switch outcome {
        case .accepted: (.green, .steady, .milliseconds(300))
        case .acceptedLow: (.amber, .steady, .milliseconds(1500))
        case .duplicate: (.blue, .steady, .milliseconds(300))
        case .wrong: (.amber, .fastBlink, .milliseconds(1500))
        case .unknownCode: (.red, .slowBlink, .milliseconds(1500))
        case .refused: (.red, .steady, .milliseconds(1500))
        case .storeFault: (.red, .fastBlink, .seconds(5))
        }
    }
}

/// A queue of signals for the indicator service; safe to use from any task or thread. A
/// signal wakes the service at once.
public final class IndicatorSignals: Sendable, ScanIndicator {
    private let queue = Mutex<(signals: [IndicatorSignal], waker: (@Sendable () -> Void)?)>(([], nil))
    public init() {}
    public func send(_ signal: IndicatorSignal) {
        let waker = queue.withLock { q in
            q.signals.append(signal)
            return q.waker
        }
        waker?()
    }
    func drain() -> [IndicatorSignal] { queue.withLock { q in defer { q.signals.removeAll() }; return q.signals } }

    /// Calls `wake` at each send, from the sender's task, until replaced: the stack light's
    /// loop, woken with no task in between.
    func onSend(_ wake: (@Sendable () -> Void)?) {
        queue.withLock { $0.waker = wake }
    }

    /// Scan feedback: each outcome's own flash and chirp.
    public func show(_ feedback: ScanFeedback) {
        send(.outcome(feedback.outcome))
    }
}

/// What the lines should be at one moment (pure): the job state's patterns, overlaid by
/// the newest flash and the buzzer's chirp.
public struct IndicatorFrame: Sendable, Hashable {
    public var lamps: [Lamp: Bool]
    public var buzzer: Bool

    public static func compute(patterns: [Lamp: LampPattern], patternAge: Duration,
                               flash: (lamp: Lamp, pattern: LampPattern, age: Duration, length: Duration)?,
                               chirp: (chirp: Chirp, age: Duration)?) -> IndicatorFrame {
        var lamps: [Lamp: Bool] = [:]
        for lamp in Lamp.allCases { lamps[lamp] = (patterns[lamp] ?? .off).isLit(after: patternAge) }
        if let flash, flash.age < flash.length { lamps[flash.lamp] = flash.pattern.isLit(after: flash.age) }
        return IndicatorFrame(lamps: lamps, buzzer: chirp.map { $0.chirp.isOn(after: $0.age) } ?? false)
    }

    /// How long until the frame computed from the same inputs can next differ: the next
    /// blink edge, the end or next edge of the flash, the next switch of the chirp. `nil`
    /// while nothing moves (steady lamps, no flash, no chirp).
    public static func nextChange(patterns: [Lamp: LampPattern], patternAge: Duration,
                                  flash: (lamp: Lamp, pattern: LampPattern, age: Duration, length: Duration)?,
                                  chirp: (chirp: Chirp, age: Duration)?) -> Duration? {
        var candidates = patterns.values.compactMap { $0.nextChange(after: patternAge) }
        if let flash, flash.age < flash.length {
            candidates.append(flash.length - flash.age)
            if let edge = flash.pattern.nextChange(after: flash.age) { candidates.append(edge) }
        }
        if let chirp, let edge = chirp.chirp.nextChange(after: chirp.age) { candidates.append(edge) }
        return candidates.min()
    }
}

/// Drives a bay's stack light and buzzer: the pattern of the bay's current job state, read
/// from the store at start and again whenever the store's change stream says the workshop
/// changed (a commit of this daemon, or of another process), with scan and help signals over
/// it. A missing chip or a busy line is reported by name in the health board and retried; on
/// shutdown the lines go to the safe state and are released.
///
/// The loop sleeps until the next thing that changes a line (a blink edge, the end of a
/// flash or chirp, a retry of the chip) or until a signal or a workshop change arrives: a
/// steady lamp costs no wake-up at all. Time comes from `clock`, so tests can drive it.
public struct StackLightService<C: Clock>: Service where C.Duration == Duration {
    public let config: StackLightConfig
    let backend: any GPIOBackend
    let signals: IndicatorSignals
    let health: HealthBoard
    let logger: Logger
    /// The state to show; `nil` for a bay without a job.
    let currentState: @Sendable () async -> JobState?
    /// What wakes a look at the state: the workshop's changes (`nil`: the state never changes).
    let stateChanges: StoreChanges?
    let retryInterval: Duration
    let clock: C

    public init(config: StackLightConfig, backend: any GPIOBackend, signals: IndicatorSignals, health: HealthBoard, logger: Logger,
                clock: C, stateChanges: StoreChanges? = nil, retryInterval: Duration = .seconds(2),
                currentState: @escaping @Sendable () async -> JobState?) {
        self.config = config
        self.backend = backend
        self.signals = signals
        self.health = health
        self.logger = logger
        self.currentState = currentState
        self.stateChanges = stateChanges
        self.retryInterval = retryInterval
        self.clock = clock
    }

    /// Why the loop woke.
    enum Wake: Sendable { case signal, stateChanged, due }

    public func run() async throws {
        let (wakes, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        // Subscribed before the first read of the state, so no change falls in between.
        let changes = stateChanges?.subscribe(to: [.workshop])
        let panel = StackLightPanel<C>(config: config, backend: backend, signals: signals, health: health, logger: logger,
                                       retryInterval: retryInterval, clock: clock, state: await currentState())
        // A signal is shown by its sender's thread at once (a scan's lamp right after its
        // commit); the loop, woken too, sets the timer for the flash's end. Installed once
        // the state is known: signals sent before wait in `signals` for the first refresh.
        signals.onSend {
            panel.refresh(requestingChip: false)
            wake.yield(.signal)
        }
        defer { signals.onSend(nil) }
        await withDiscardingTaskGroup { group in
            if let changes { group.addTask { for await _ in changes { wake.yield(.stateChanged) } } }
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    await drive(panel, wakes: wakes, wake: wake)
                } onCancel: { wake.finish() }
            } onGracefulShutdown: { wake.finish() }
            group.cancelAll()
        }
    }

    /// The loop: reads the state when the workshop changed and brings the lines up to date
    /// at each wake, sleeping until the next change of a line, until `wakes` ends.
    private func drive(_ panel: StackLightPanel<C>, wakes: AsyncStream<Wake>, wake: AsyncStream<Wake>.Continuation) async {
        var timer: Task<Void, Never>?
        var reason: Wake? = .due
        var iterator = wakes.makeAsyncIterator()
        defer { timer?.cancel() }

        while let woke = reason {
            if woke == .stateChanged {
                panel.show(state: await currentState())
            }
            let (now, wait) = panel.refresh(requestingChip: true)
            timer?.cancel()
            timer = wait.map { wait in
                let deadline = now.advanced(by: max(wait, .milliseconds(1)))
                return Task { [clock] in
                    // A timer replaced meanwhile (a signal, a state change) stays quiet.
                    guard (try? await clock.sleep(until: deadline, tolerance: nil)) != nil, !Task.isCancelled else { return }
                    wake.yield(.due)
                }
            }
            reason = await iterator.next()
        }
        panel.close()
    }
}

extension StackLightService where C == ContinuousClock {
    /// A stack light on the system's monotonic clock.
    public init(config: StackLightConfig, backend: any GPIOBackend, signals: IndicatorSignals, health: HealthBoard, logger: Logger,
                stateChanges: StoreChanges? = nil, retryInterval: Duration = .seconds(2),
                currentState: @escaping @Sendable () async -> JobState?) {
        self.init(config: config, backend: backend, signals: signals, health: health, logger: logger, clock: ContinuousClock(),
                  stateChanges: stateChanges, retryInterval: retryInterval, currentState: currentState)
    }
}

