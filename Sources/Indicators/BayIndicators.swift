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
    private let queue = Mutex<[IndicatorSignal]>([])
    let doorbell = Doorbell()
    public init() {}
    public func send(_ signal: IndicatorSignal) {
        queue.withLock { $0.append(signal) }
        doorbell.ring()
    }
    func drain() -> [IndicatorSignal] { queue.withLock { q in defer { q.removeAll() }; return q } }

    /// Scan feedback: each outcome's own flash and chirp.
    public func show(_ feedback: ScanFeedback) async {
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

/// Wakes one waiting task early. A ring while nobody waits is kept for the next wait.
final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func ring() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let waiter = s.waiter else {
                s.rung = true
                return nil
            }
            s.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once rung (at once if rung since the last wait), after `timeout`, or on cancellation.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock that onCancel takes too: a cancellation either sees
                // the waiter stored or is seen here.
                let now = state.withLock { s -> Bool in
                    if s.rung || Task.isCancelled {
                        if !Task.isCancelled { s.rung = false }
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
    }
}

/// Drives a bay's stack light and buzzer: the pattern of the bay's current job state, read
/// from the store (so a restart, or a change made by another process, shows at once), with
/// scan and help signals over it. A missing chip or a busy line is reported by name in the
/// health board and retried; on shutdown the lines go to the safe state and are released.
///
/// The loop sleeps until the next thing that changes a line (a blink edge, the end of a
/// flash or chirp, the next look at the job state) or until a signal arrives, so a steady
/// lamp costs four wake-ups a second, not fifty.
public struct StackLightService: Service {
    public let config: StackLightConfig
    let backend: any GPIOBackend
    let signals: IndicatorSignals
    let health: HealthBoard
    let logger: Logger
    /// The state to show; `nil` for a bay without a job.
    let currentState: @Sendable () async -> JobState?
    let stateRefresh: Duration
    let retryInterval: Duration

    public init(config: StackLightConfig, backend: any GPIOBackend, signals: IndicatorSignals, health: HealthBoard, logger: Logger,
                stateRefresh: Duration = .milliseconds(250), retryInterval: Duration = .seconds(2),
                currentState: @escaping @Sendable () async -> JobState?) {
        self.config = config
        self.backend = backend
        self.signals = signals
        self.health = health
        self.logger = logger
        self.currentState = currentState
        self.stateRefresh = stateRefresh
        self.retryInterval = retryInterval
    }

    var component: String { "gpio:\(config.chip)" }

    /// Lines in request order: the lamps present, then the buzzer.
    var order: [(lamp: Lamp?, line: LineRef)] {
        Lamp.allCases.compactMap { lamp in config.lamps[lamp].map { (lamp, $0) } } + (config.buzzer.map { [(nil, $0)] } ?? [])
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var outputs: (any OutputLines)?
        var written: [Int: Bool] = [:]
        var lastAttempt: ContinuousClock.Instant?
        var state: JobState? = await currentState()
        var stateSince = clock.now
        var lastRefresh = clock.now
        var flash: (lamp: Lamp, pattern: LampPattern, at: ContinuousClock.Instant, length: Duration)?
        var chirp: (chirp: Chirp, at: ContinuousClock.Instant)?
        let lines = order

        while !Task.isCancelledOrShuttingDown {
            let now = clock.now
            if outputs == nil, lastAttempt.map({ now - $0 >= retryInterval }) ?? true {
                lastAttempt = now
                do {
                    outputs = try backend.requestOutputs(chip: config.chip, lines: lines.map(\.line), consumer: config.consumer)
                    written = [:]
                    health.set(component, .ok("stack light on \(config.chip)"))
                    logger.info("stack light ready", metadata: ["chip": "\(config.chip)"])
                } catch {
                    health.set(component, .degraded(error.description))
                    logger.warning("\(error.description)", metadata: ["retry_in": "\(retryInterval)"])
                }
            }
            if now - lastRefresh >= stateRefresh {
                lastRefresh = now
                let fresh = await currentState()
                if fresh != state {
                    state = fresh
                    stateSince = now
                }
            }
            for signal in signals.drain() {
                flash = signal.flash.map { ($0.0, $0.1, now, $0.2) }
                chirp = signal.chirp.map { ($0, now) }
            }
            let frame = IndicatorFrame.compute(
                patterns: config.mapping.patterns(for: state), patternAge: now - stateSince,
                flash: flash.map { ($0.lamp, $0.pattern, now - $0.at, $0.length) },
                chirp: chirp.map { ($0.chirp, now - $0.at) })
            if let out = outputs {
                do {
                    for (index, entry) in lines.enumerated() {
                        let high = entry.lamp.map { frame.lamps[$0] ?? false } ?? frame.buzzer
                        if written[index] != high {
                            try out.set(index, high)
                            written[index] = high
                        }
                    }
                } catch {
                    health.set(component, .degraded(error.description))
                    logger.error("\(error.description)")
                    out.release()
                    outputs = nil
                }
            }
            let next = IndicatorFrame.nextChange(
                patterns: config.mapping.patterns(for: state), patternAge: now - stateSince,
                flash: flash.map { ($0.lamp, $0.pattern, now - $0.at, $0.length) },
                chirp: chirp.map { ($0.chirp, now - $0.at) })
            var wait = stateRefresh - (now - lastRefresh)
            if let next { wait = min(wait, next) }
            if outputs == nil, let lastAttempt { wait = min(wait, retryInterval - (now - lastAttempt)) }
            await signals.doorbell.wait(upTo: max(wait, .milliseconds(1)))
        }
        // Safe state: configured lamps on, everything else (buzzer included) off.
        if let out = outputs {
            for (index, entry) in lines.enumerated() {
                try? out.set(index, entry.lamp.map { config.safeLamps.contains($0) } ?? false)
            }
            logger.info("stack light in safe state", metadata: ["chip": "\(config.chip)", "lit": "\(config.safeLamps.map(\.rawValue).sorted())"])
            // A plain sleep: the task is already cancelled, so Task.sleep would return at once.
            usleep(UInt32(config.safeHold.components.seconds * 1_000_000 + config.safeHold.components.attoseconds / 1_000_000_000_000))
            out.release()
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// True once the task is cancelled or graceful shutdown has begun.
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
