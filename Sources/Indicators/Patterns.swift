import KioskCore

/// A lamp of a stack light (三色灯 / 工位灯).
public enum Lamp: String, Sendable, Hashable, CaseIterable, Codable {
    case red, amber, green, blue
}

/// How a lamp shows: off, steady, or blinking slowly (1 Hz) or fast (4 Hz).
public enum LampPattern: String, Sendable, Hashable, CaseIterable, Codable {
    case off, steady, slowBlink = "slow_blink", fastBlink = "fast_blink"

    /// Whether the lamp is lit `elapsed` after the pattern started (pure).
    public func isLit(after elapsed: Duration) -> Bool {
        switch self {
        case .off: false
        case .steady: true
        case .slowBlink: Self.phase(elapsed, period: .milliseconds(1000))
        case .fastBlink: Self.phase(elapsed, period: .milliseconds(250))
        }
    }

    /// How long after `elapsed` the lamp next changes; `nil` for a lamp that never does.
    public func nextChange(after elapsed: Duration) -> Duration? {
        let half: Duration = switch self {
        case .off, .steady: .zero
        case .slowBlink: .milliseconds(500)
        case .fastBlink: .milliseconds(125)
        }
        guard half > .zero else { return nil }
        let ns = Self.nanoseconds(elapsed), h = Self.nanoseconds(half)
        return .nanoseconds(h - ns % h)
    }

    static func nanoseconds(_ d: Duration) -> Int64 { d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000 }

    /// On for the first half of each period.
    private static func phase(_ elapsed: Duration, period: Duration) -> Bool {
        let ns = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let p = period.components.seconds * 1_000_000_000 + period.components.attoseconds / 1_000_000_000
        return (ns % p) < p / 2
    }
}

/// Which lamps show what for each job state, and for a bay with no job.
public struct LampMapping: Sendable, Hashable {
    public var byState: [JobState: [Lamp: LampPattern]]
    public var idle: [Lamp: LampPattern]

    public init(byState: [JobState: [Lamp: LampPattern]], idle: [Lamp: LampPattern] = [:]) {
        self.byState = byState
        self.idle = idle
    }

    /// Blue: the car is here or waits for its owner; amber: being looked at or waiting for the
    /// customer; red: blocked on parts; green: being repaired or checked.
    public static let standard = LampMapping(byState: [
        .checkedIn: [.blue: .steady],
        .diagnosing: [.amber: .steady],
        .waitingApproval: [.amber: .slowBlink],
        .waitingParts: [.red: .slowBlink],
        .repairing: [.green: .steady],
        .qualityCheck: [.green: .slowBlink],
        .ready: [.blue: .slowBlink],
    ])

    public func patterns(for state: JobState?) -> [Lamp: LampPattern] {
        guard let state else { return idle }
        return byState[state] ?? idle
    }
}

/// A buzzer signal (蜂鸣器): alternating on and off times, starting with on.
public struct Chirp: Sendable, Hashable {
    public var steps: [Duration]

    public init(_ steps: [Duration]) { self.steps = steps }

    /// One short chirp.
    public static let accepted = Chirp([.milliseconds(80)])
    /// Three short chirps.
    public static let rejected = Chirp([.milliseconds(80), .milliseconds(80), .milliseconds(80), .milliseconds(80), .milliseconds(80)])

    /// Each scan outcome's sound (the table is on ``ScanOutcome``).
    public static func `for`(_ outcome: ScanOutcome) -> Chirp {
        switch outcome {
        case .accepted: .accepted
        case .acceptedLow: Chirp([.milliseconds(80), .milliseconds(100), .milliseconds(400)])
        case .duplicate: Chirp([.milliseconds(30), .milliseconds(60), .milliseconds(30)])
        case .wrong: Chirp([.milliseconds(300), .milliseconds(150), .milliseconds(300)])
        case .unknownCode: Chirp([.milliseconds(80), .milliseconds(80), .milliseconds(80)])
        case .refused: .rejected
        case .storeFault: Chirp([.milliseconds(1000)])
        }
    }
    /// One long tone.
    public static let callForHelp = Chirp([.milliseconds(1000)])

    public var duration: Duration { steps.reduce(.zero, +) }

    /// How long after `elapsed` the buzzer next switches; `nil` once the chirp is over.
    public func nextChange(after elapsed: Duration) -> Duration? {
        var t = Duration.zero
        for step in steps {
            t += step
            if elapsed < t { return t - elapsed }
        }
        return nil
    }

    /// Whether the buzzer sounds `elapsed` after the chirp started (pure).
    public func isOn(after elapsed: Duration) -> Bool {
        var t = Duration.zero
        for (i, step) in steps.enumerated() {
            t += step
            if elapsed < t { return i % 2 == 0 }
        }
        return false
    }
}
