import Foundation
import KioskCore
import Synchronization

/// A GPIO backend in memory, for unit tests and for boards without GPIO: output values
/// (with a history of changes), inputs driven by the test, and chips or lines that are
/// missing or busy on demand.
public final class SimulatedGPIO: GPIOBackend, Sendable {
    struct State {
        var chips: [String: Int]
        var values: [String: [UInt32: Bool]] = [:]
        var history: [(chip: String, offset: UInt32, high: Bool, at: Duration)] = []
        var held: [String: [UInt32: String]] = [:]
        var inputs: [ObjectIdentifier: SimulatedInputs] = [:]
    }
    private let state: Mutex<State>

    /// - Parameter chips: chip name → number of lines.
    public init(chips: [String: Int] = ["gpiochip0": 16]) {
        state = Mutex(State(chips: chips))
    }

    /// The level of an output line (`nil` if never driven).
    public func value(chip: String = "gpiochip0", offset: UInt32) -> Bool? {
        state.withLock { $0.values[chip]?[offset] }
    }

    /// Every change of an output, with its monotonic time.
    public func history(chip: String = "gpiochip0", offset: UInt32) -> [(high: Bool, at: Duration)] {
        state.withLock { $0.history.filter { $0.chip == chip && $0.offset == offset }.map { ($0.high, $0.at) } }
    }

    /// Another program holds this line.
    public func hold(chip: String = "gpiochip0", offset: UInt32, consumer: String) {
        state.withLock { $0.held[chip, default: [:]][offset] = consumer }
    }

    /// Presses (`true`) or releases an input line, as a pull on gpio-sim would.
    public func drive(chip: String = "gpiochip0", offset: UInt32, active: Bool) {
        drive(chip: chip, [(offset, active, monotonicNow())])
    }

    /// Edges with their own times (as the kernel stamps them), delivered together: a press
    /// of a given length without waiting for it. Times are on ``monotonicNow()``'s clock.
    public func drive(chip: String = "gpiochip0", _ edges: [(offset: UInt32, active: Bool, at: Duration)]) {
        let targets = state.withLock { Array($0.inputs.values) }
        for inputs in targets where inputs.chip == chip { inputs.push(edges) }
    }

    public func requestOutputs(chip: String, lines: [LineRef], consumer: String) throws(GPIOFault) -> any OutputLines {
        let offsets = try claim(chip: chip, lines: lines, consumer: consumer)
        return SimulatedOutputs(backend: self, chip: chip, offsets: offsets)
    }

    public func requestInputs(chip: String, lines: [LineRef], consumer: String, activeLow: Bool) throws(GPIOFault) -> any InputLines {
        let offsets = try claim(chip: chip, lines: lines, consumer: consumer)
        let inputs = SimulatedInputs(backend: self, chip: chip, offsets: offsets)
        state.withLock { $0.inputs[ObjectIdentifier(inputs)] = inputs }
        return inputs
    }

    private func claim(chip: String, lines: [LineRef], consumer: String) throws(GPIOFault) -> [UInt32] {
        let result: Result<[UInt32], GPIOFault> = state.withLock { s in
            guard let count = s.chips[chip] else { return .failure(.chipMissing(chip: chip)) }
            var offsets: [UInt32] = []
            for ref in lines {
                guard case .offset(let o) = ref, o < count else { return .failure(.lineMissing(chip: chip, line: ref)) }
                if let holder = s.held[chip]?[o] { return .failure(.lineBusy(chip: chip, line: ref, consumer: holder)) }
                offsets.append(o)
            }
            for o in offsets { s.held[chip, default: [:]][o] = consumer }
            return .success(offsets)
        }
        return try result.get()
    }

    func set(chip: String, offset: UInt32, high: Bool) {
        state.withLock { s in
            if s.values[chip]?[offset] != high { s.history.append((chip, offset, high, monotonicNow())) }
            s.values[chip, default: [:]][offset] = high
        }
    }

    func release(chip: String, offsets: [UInt32], inputs: SimulatedInputs? = nil) {
        state.withLock { s in
            for o in offsets { s.held[chip]?[o] = nil }
            if let inputs { s.inputs[ObjectIdentifier(inputs)] = nil }
        }
    }
}

final class SimulatedOutputs: OutputLines, Sendable {
    let backend: SimulatedGPIO
    let chip: String
    let offsets: [UInt32]
    init(backend: SimulatedGPIO, chip: String, offsets: [UInt32]) {
        self.backend = backend
        self.chip = chip
        self.offsets = offsets
    }
    func set(_ index: Int, _ high: Bool) throws(GPIOFault) { backend.set(chip: chip, offset: offsets[index], high: high) }
    func release() { backend.release(chip: chip, offsets: offsets) }
}

final class SimulatedInputs: InputLines, Sendable {
    let backend: SimulatedGPIO
    let chip: String
    let offsets: [UInt32]
    private let pending = Mutex<[LineEdge]>([])
    /// Readable while edges wait, like a line's event descriptor.
    private let ready = WakePipe()
    init(backend: SimulatedGPIO, chip: String, offsets: [UInt32]) {
        self.backend = backend
        self.chip = chip
        self.offsets = offsets
    }
    func push(_ edges: [(offset: UInt32, active: Bool, at: Duration)]) {
        let known = edges.compactMap { edge in offsets.firstIndex(of: edge.offset).map { LineEdge(index: $0, active: edge.active, at: edge.at) } }
        pending.withLock { $0.append(contentsOf: known) }
        ready.signal()
    }
    func waitForEdges(timeout: Duration?, stop: StopFlag) throws(GPIOFault) -> [LineEdge] {
        var fds = [pollfd(fd: ready.fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, timeout?.pollMilliseconds ?? -1)
        ready.drain()
        return pending.withLock { p -> [LineEdge] in defer { p.removeAll() }; return p }
    }
    func release() { backend.release(chip: chip, offsets: offsets, inputs: self) }
}
