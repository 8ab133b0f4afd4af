import Synchronization

/// The state of each part of the daemon (scanners, GPIO chips, the store), by name, for
/// `/healthz`, the pages and the logs. A failing part degrades one function; the rest runs.
public final class HealthBoard: Sendable {
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        case ok(String)
        case degraded(String)

        public var isOK: Bool { if case .ok = self { true } else { false } }
        public var description: String {
            switch self {
            case .ok(let s): "ok: \(s)"
            case .degraded(let s): "fault: \(s)"
            }
        }
    }

    private let components = Mutex<[String: Status]>([:])

    public init() {}

    public func set(_ component: String, _ status: Status) {
        components.withLock { $0[component] = status }
    }

    public var snapshot: [String: Status] { components.withLock { $0 } }

    /// The components that are not ok, with the reason.
    public var faults: [String: String] {
        snapshot.compactMapValues { if case .degraded(let why) = $0 { why } else { nil } }
    }
}
