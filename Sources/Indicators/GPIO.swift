import Foundation
import KioskCore

/// A GPIO line on a chip, by offset or by the name the board gives it.
public enum LineRef: Sendable, Hashable, CustomStringConvertible {
    case offset(UInt32)
    case name(String)

    public var description: String {
        switch self {
        case .offset(let o): "line \(o)"
        case .name(let n): "line \"\(n)\""
        }
    }
}

/// Why GPIO cannot be used. Named for the health page and the logs; the daemon keeps
/// serving scans and pages and retries.
public enum GPIOFault: Error, Sendable, Hashable, CustomStringConvertible {
    case chipMissing(chip: String)
    case lineMissing(chip: String, line: LineRef)
    case lineBusy(chip: String, line: LineRef, consumer: String)
    case requestFailed(chip: String, line: LineRef, reason: String)
    case ioFailed(chip: String, reason: String)

    public var description: String {
        switch self {
        case .chipMissing(let chip):
            "GPIO 芯片 \(chip) 不存在 / GPIO chip \(chip) not found: check gpio.chip (path, name, label or number)"
        case let .lineMissing(chip, line):
            "GPIO \(chip) 没有 \(line) / \(chip) has no \(line): check the line offsets or names"
        case let .lineBusy(chip, line, consumer):
            "GPIO \(chip) \(line) 已被 \"\(consumer)\" 占用 / \(chip) \(line) is held by \"\(consumer)\": stop that program or pick another line"
        case let .requestFailed(chip, line, reason):
            "GPIO \(chip) \(line) 请求失败 / cannot request \(chip) \(line): \(reason)"
        case let .ioFailed(chip, reason):
            "GPIO \(chip) 读写失败 / GPIO \(chip) failed: \(reason)"
        }
    }
}

/// Output lines held for writing.
public protocol OutputLines: AnyObject, Sendable {
    /// Sets line `index` (in the order requested) high or low.
    func set(_ index: Int, _ high: Bool) throws(GPIOFault)
    func release()
}

/// An edge seen on an input line.
public struct LineEdge: Sendable, Hashable {
    public var index: Int
    /// The logical level after the edge (active-low already applied).
    public var active: Bool
    /// When the edge happened on the monotonic clock (the kernel's timestamp), so that a
    /// reader that was held up still sees how long a button was pressed.
    public var at: Duration

    public init(index: Int, active: Bool, at: Duration) {
        self.index = index
        self.active = active
        self.at = at
    }
}

/// Input lines held for edge events.
public protocol InputLines: AnyObject, Sendable {
    /// Waits for edges, up to `timeout` (`nil`: no limit) or until `stop` is set; an empty
    /// array on timeout or stop.
    func waitForEdges(timeout: Duration?, stop: StopFlag) throws(GPIOFault) -> [LineEdge]
    func release()
}

/// Opens lines on a GPIO chip: libgpiod on a board, a simulation in unit tests.
public protocol GPIOBackend: Sendable {
    func requestOutputs(chip: String, lines: [LineRef], consumer: String) throws(GPIOFault) -> any OutputLines
    func requestInputs(chip: String, lines: [LineRef], consumer: String, activeLow: Bool) throws(GPIOFault) -> any InputLines
}
