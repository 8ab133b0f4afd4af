import Foundation

/// The facts the workshop reports are computed from.
public struct WorkshopHistory: Sendable, Hashable {
    public var orders: [WorkOrder]
    public var transitions: [JobTransition]
    public var clocks: [JobClock]
    public var window: DateInterval
}

/// Time per state, technician efficiency and bay utilisation, computed from the recorded
/// transitions and clocks (pure: the same history always gives the same report).
public struct WorkshopReport: Sendable, Hashable {
    /// Seconds spent in each state, per job.
    public var stateTime: [String: [JobState: TimeInterval]]
    /// Seconds each technician was clocked on while the job was in each state.
    public var technicianStateTime: [String: [JobState: TimeInterval]]
    public var technicians: [TechnicianEfficiency]
    public var bays: [BayUtilisation]

    public struct TechnicianEfficiency: Sendable, Hashable {
        public var badge: String
        /// Hours clocked on while the job was repairing (实际工时).
        public var repairingHours: Double
        /// Standard hours credited (标准工时), shared between the technicians of a job by
        /// their share of its repairing time.
        public var standardHours: Double
        /// Standard ÷ actual; `nil` without repairing time or standard hours.
        public var efficiency: Double? {
            repairingHours > 0 && standardHours > 0 ? standardHours / repairingHours : nil
        }
    }

    public struct BayUtilisation: Sendable, Hashable {
        public var bay: String
        /// Seconds the bay had a job in diagnosing … quality check.
        public var busySeconds: TimeInterval
        public var windowSeconds: TimeInterval
        public var utilisation: Double { windowSeconds > 0 ? busySeconds / windowSeconds : 0 }
    }

    /// The states a bay counts as busy in.
    static let busyStates: Set<JobState> = [.diagnosing, .waitingApproval, .waitingParts, .repairing, .qualityCheck]

    public init(_ history: WorkshopHistory, now: Date) {
        let window = history.window
        let end = min(window.end, now)
        // State intervals per job, clipped to the window.
        var intervals: [String: [(state: JobState, bay: String?, span: DateInterval)]] = [:]
        for (ticket, transitions) in Dictionary(grouping: history.transitions, by: \.ticketCode) {
            // In the order they were recorded (the history gives them so), not by their clock
            // time: after the clock jumps back, a later transition can carry an earlier time.
            let sorted = transitions
            for (i, t) in sorted.enumerated() {
                let stop = i + 1 < sorted.count ? sorted[i + 1].at : end
                guard t.toState.isOpen else { continue }
                if let span = Self.clip(DateInterval(start: t.at, end: max(t.at, stop)), to: DateInterval(start: window.start, end: max(window.start, end))) {
                    intervals[ticket, default: []].append((t.toState, t.bay, span))
                }
            }
        }
        stateTime = intervals.mapValues { spans in
            spans.reduce(into: [:]) { $0[$1.state, default: 0] += $1.span.duration }
        }
        var perTechnician: [String: [JobState: TimeInterval]] = [:]
        var repairingByJobAndTech: [String: [String: TimeInterval]] = [:]
        for clock in history.clocks {
            let clockSpan = DateInterval(start: clock.onAt, end: max(clock.onAt, clock.offAt ?? end))
            for span in intervals[clock.ticketCode] ?? [] {
                guard let overlap = Self.clip(clockSpan, to: span.span) else { continue }
                perTechnician[clock.badge, default: [:]][span.state, default: 0] += overlap.duration
                if span.state == .repairing {
                    repairingByJobAndTech[clock.ticketCode, default: [:]][clock.badge, default: 0] += overlap.duration
                }
            }
        }
        technicianStateTime = perTechnician
        let standardByJob = Dictionary(uniqueKeysWithValues: history.orders.map { ($0.ticketCode, $0.standardHours) })
        var credited: [String: Double] = [:]
        for (ticket, byTech) in repairingByJobAndTech {
            let total = byTech.values.reduce(0, +)
            guard total > 0 else { continue }
            for (badge, seconds) in byTech { credited[badge, default: 0] += (standardByJob[ticket] ?? 0) * seconds / total }
        }
        technicians = perTechnician.keys.sorted().map { badge in
            TechnicianEfficiency(badge: badge, repairingHours: (perTechnician[badge]?[.repairing] ?? 0) / 3600,
                                 standardHours: credited[badge] ?? 0)
        }
        var busy: [String: TimeInterval] = [:]
        for spans in intervals.values {
            for span in spans where Self.busyStates.contains(span.state) {
                if let bay = span.bay { busy[bay, default: 0] += span.span.duration }
            }
        }
        let windowSeconds = max(0, end.timeIntervalSince(window.start))
        bays = busy.keys.sorted().map { BayUtilisation(bay: $0, busySeconds: busy[$0]!, windowSeconds: windowSeconds) }
    }

    static func clip(_ a: DateInterval, to b: DateInterval) -> DateInterval? {
        let start = max(a.start, b.start), end = min(a.end, b.end)
        return end > start ? DateInterval(start: start, end: end) : nil
    }

    /// The technician report as CSV (RFC 4180: UTF-8, header first, CRLF, fields quoted where
    /// they hold a comma, a quote or a line break).
    public var techniciansCSV: String {
        CSVText.record(["badge", "repairing_hours", "standard_hours", "efficiency"]) + technicians.map {
            CSVText.record([$0.badge, Self.hours($0.repairingHours), Self.hours($0.standardHours), $0.efficiency.map(Self.hours) ?? ""])
        }.joined()
    }

    /// Time per state per job as CSV (hours).
    public var stateTimeCSV: String {
        let states = JobState.allCases.filter(\.isOpen)
        return CSVText.record(["ticket"] + states.map(\.rawValue)) + stateTime.keys.sorted().map { ticket in
            CSVText.record([ticket] + states.map { Self.hours((stateTime[ticket]?[$0] ?? 0) / 3600) })
        }.joined()
    }

    /// Bay utilisation as CSV.
    public var baysCSV: String {
        CSVText.record(["bay", "busy_hours", "window_hours", "utilisation"]) + bays.map {
            CSVText.record([$0.bay, Self.hours($0.busySeconds / 3600), Self.hours($0.windowSeconds / 3600), Self.hours($0.utilisation)])
        }.joined()
    }

    private static func hours(_ value: Double) -> String { String(format: "%.2f", value) }
}
