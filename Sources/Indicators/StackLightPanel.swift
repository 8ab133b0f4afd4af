import Foundation
import KioskCore
import Logging
import Synchronization

/// The lines of one stack light and buzzer and what they show, under one lock, so that both
/// the stack light's loop and whoever sends a signal (the scan desk's thread, right after its
/// commit) can bring them up to date: a scan's lamp is written by the thread that committed
/// the scan, with no task or queue in between. The loop still owns the timing (blink edges,
/// the end of a flash, retrying the chip).
final class StackLightPanel<C: Clock>: Sendable where C.Duration == Duration {
    /// What is reported after the lock is released: a log line or a health status.
    private typealias Report = @Sendable () -> Void

    private struct Lines {
        var outputs: (any OutputLines)?
        var written: [Int: Bool] = [:]
        var lastAttempt: C.Instant?
        var state: JobState?
        var stateSince: C.Instant
        var flash: (lamp: Lamp, pattern: LampPattern, at: C.Instant, length: Duration)?
        var chirp: (chirp: Chirp, at: C.Instant)?
        /// The state whose lamps were last written, for the log (nil inside: none yet).
        var shown: JobState?? = nil
        /// Set by ``close()``: the lines are in the safe state and no longer written.
        var closed = false
    }

    private let lines: Mutex<Lines>
    let config: StackLightConfig
    let backend: any GPIOBackend
    let signals: IndicatorSignals
    let health: HealthBoard
    let logger: Logger
    let retryInterval: Duration
    let clock: C
    /// Lines in request order: the lamps present, then the buzzer.
    let order: [(lamp: Lamp?, line: LineRef)]
    var component: String { "gpio:\(config.chip)" }

    init(config: StackLightConfig, backend: any GPIOBackend, signals: IndicatorSignals, health: HealthBoard, logger: Logger,
         retryInterval: Duration, clock: C, state: JobState?) {
        self.config = config
        self.backend = backend
        self.signals = signals
        self.health = health
        self.logger = logger
        self.retryInterval = retryInterval
        self.clock = clock
        order = Lamp.allCases.compactMap { lamp in config.lamps[lamp].map { (lamp, $0) } } + (config.buzzer.map { [(nil, $0)] } ?? [])
        lines = Mutex(Lines(state: state, stateSince: clock.now))
    }

    /// The job's state changed (or was read again): its pattern starts over only if it differs.
    func show(state fresh: JobState?) {
        lines.withLock { lines in
            guard fresh != lines.state else { return }
            lines.state = fresh
            lines.stateSince = clock.now
        }
    }

    /// Takes the signals waiting and writes the lines that differ from the frame due now,
    /// reading the time under the lock (so a later caller never writes an older frame).
    /// Only the loop (`requestingChip`) requests a chip that is not held, when a retry is
    /// due: a signal's sender (the scan desk's thread) never waits for a chip to open, and
    /// logs and health reports are made after the lock is released.
    /// - Returns: the time it used, and how long until the lines can next change (`nil`
    ///   while nothing moves and the chip is held).
    @discardableResult
    func refresh(requestingChip: Bool) -> (now: C.Instant, wait: Duration?) {
        let (result, reports) = lines.withLock { lines -> ((C.Instant, Duration?), [Report]) in
            let now = clock.now
            var reports: [Report] = []
            guard !lines.closed else { return ((now, nil), []) }
            if requestingChip, lines.outputs == nil, lines.lastAttempt.map({ $0.duration(to: now) >= retryInterval }) ?? true {
                lines.lastAttempt = now
                do {
                    lines.outputs = try backend.requestOutputs(chip: config.chip, lines: order.map(\.line), consumer: config.consumer)
                    lines.written = [:]
                    reports.append { [self] in
                        health.set(component, .ok("stack light on \(config.chip)"))
                        logger.info("stack light ready", metadata: ["chip": "\(config.chip)"])
                    }
                } catch {
                    let why = String(describing: error)
                    reports.append { [self] in
                        health.set(component, .degraded(why))
                        logger.warning("\(why)", metadata: ["retry_in": "\(retryInterval)"])
                    }
                }
            }
            for signal in signals.drain() {
                lines.flash = signal.flash.map { ($0.0, $0.1, now, $0.2) }
                lines.chirp = signal.chirp.map { ($0, now) }
            }
            let patterns = config.mapping.patterns(for: lines.state)
            let patternAge = lines.stateSince.duration(to: now)
            let flashNow = lines.flash.map { ($0.lamp, $0.pattern, $0.at.duration(to: now), $0.length) }
            let chirpNow = lines.chirp.map { ($0.chirp, $0.at.duration(to: now)) }
            let frame = IndicatorFrame.compute(patterns: patterns, patternAge: patternAge, flash: flashNow, chirp: chirpNow)
            if let out = lines.outputs {
                do {
                    for (index, entry) in order.enumerated() {
                        let high = entry.lamp.map { frame.lamps[$0] ?? false } ?? frame.buzzer
                        if lines.written[index] != high {
                            try out.set(index, high)
                            lines.written[index] = high
                        }
                    }
                    if lines.shown != .some(lines.state) {
                        lines.shown = .some(lines.state)
                        let state = lines.state?.rawValue ?? "none"
                        let lamps = patterns.filter { $0.value != .off }.map { "\($0.key.rawValue):\($0.value.rawValue)" }.sorted().joined(separator: ",")
                        reports.append { [self] in
                            logger.info("stack light shows the job's state", metadata: ["state": "\(state)", "lamps": "\(lamps)"])
                        }
                    }
                } catch {
                    let why = String(describing: error)
                    reports.append { [self] in
                        health.set(component, .degraded(why))
                        logger.error("\(why)")
                    }
                    out.release()
                    lines.outputs = nil
                }
            }
            var wait = IndicatorFrame.nextChange(patterns: patterns, patternAge: patternAge, flash: flashNow, chirp: chirpNow)
            if lines.outputs == nil, let lastAttempt = lines.lastAttempt {
                let retry = retryInterval - lastAttempt.duration(to: now)
                wait = min(wait ?? retry, retry)
            }
            return ((now, wait), reports)
        }
        for report in reports { report() }
        return result
    }

    /// Puts the lines in the safe state (the configured lamps on, everything else, buzzer
    /// included, off), holds it for the configured time and releases them. Later refreshes
    /// write nothing.
    func close() {
        let held = lines.withLock { lines -> (any OutputLines)? in
            lines.closed = true
            guard let out = lines.outputs else { return nil }
            for (index, entry) in order.enumerated() {
                try? out.set(index, entry.lamp.map { config.safeLamps.contains($0) } ?? false)
            }
            lines.outputs = nil
            return out
        }
        guard let held else { return }
        logger.info("stack light in safe state", metadata: ["chip": "\(config.chip)", "lit": "\(config.safeLamps.map(\.rawValue).sorted())"])
        // A plain sleep: the task is already cancelled, so Task.sleep would return at once.
        usleep(UInt32(config.safeHold.components.seconds * 1_000_000 + config.safeHold.components.attoseconds / 1_000_000_000_000))
        held.release()
    }
}
