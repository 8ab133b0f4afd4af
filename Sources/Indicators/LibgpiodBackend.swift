import CGPIOD
import Foundation
import KioskCore

/// GPIO through libgpiod 1.6 (the v1 API) and the kernel's GPIO character device.
public struct LibgpiodBackend: GPIOBackend {
    public init() {}

    public func requestOutputs(chip: String, lines: [LineRef], consumer: String) throws(GPIOFault) -> any OutputLines {
        let handle = try ChipHandle(chip)
        return LibgpiodOutputs(chip: handle, lines: try handle.request(lines) { gpiod_line_request_output($0, consumer, 0) })
    }

    public func requestInputs(chip: String, lines: [LineRef], consumer: String, activeLow: Bool) throws(GPIOFault) -> any InputLines {
        let handle = try ChipHandle(chip)
        let flags = activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
        return LibgpiodInputs(chip: handle, lines: try handle.request(lines) { gpiod_line_request_both_edges_events_flags($0, consumer, flags) })
    }
}

/// An open chip; closing it releases every line requested through it.
final class ChipHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let name: String

    init(_ name: String) throws(GPIOFault) {
        guard let chip = gpiod_chip_open_lookup(name) else { throw .chipMissing(chip: name) }
        pointer = chip
        self.name = name
    }

    deinit { gpiod_chip_close(pointer) }

    func line(_ ref: LineRef) throws(GPIOFault) -> OpaquePointer {
        let line: OpaquePointer? = switch ref {
        case .offset(let o): gpiod_chip_get_line(pointer, o)
        case .name(let n): gpiod_chip_find_line(pointer, n)
        }
        guard let line else { throw .lineMissing(chip: name, line: ref) }
        return line
    }

    /// Requests every line with `request` (0 on success); on a failure releases those already
    /// taken and names the line that failed.
    func request(_ refs: [LineRef], _ request: (OpaquePointer) -> Int32) throws(GPIOFault) -> [OpaquePointer] {
        var held: [OpaquePointer] = []
        for ref in refs {
            let line = try line(ref)
            guard request(line) == 0 else {
                let error = requestError(line, ref, errno: errno)
                held.forEach { gpiod_line_release($0) }
                throw error
            }
            held.append(line)
        }
        return held
    }

    func requestError(_ line: OpaquePointer, _ ref: LineRef, errno code: Int32) -> GPIOFault {
        if code == EBUSY {
            let consumer = gpiod_line_consumer(line).map { String(cString: $0) } ?? "another program"
            return .lineBusy(chip: name, line: ref, consumer: consumer)
        }
        return .requestFailed(chip: name, line: ref, reason: String(cString: strerror(code)))
    }
}

/// Lines requested on a chip, released once (explicitly or when dropped). The chip and
/// line pointers are used under one lock at a time (the stack light's panel, or the service that owns them).
class HeldLines: @unchecked Sendable {
    let chip: ChipHandle
    let lines: [OpaquePointer]
    private var released = false

    init(chip: ChipHandle, lines: [OpaquePointer]) {
        self.chip = chip
        self.lines = lines
    }

    func release() {
        guard !released else { return }
        released = true
        lines.forEach { gpiod_line_release($0) }
    }

    deinit { release() }
}

final class LibgpiodOutputs: HeldLines, OutputLines, @unchecked Sendable {
    func set(_ index: Int, _ high: Bool) throws(GPIOFault) {
        guard gpiod_line_set_value(lines[index], high ? 1 : 0) == 0 else {
            throw .ioFailed(chip: chip.name, reason: String(cString: strerror(errno)))
        }
    }
}

final class LibgpiodInputs: HeldLines, InputLines, @unchecked Sendable {
    func waitForEdges(timeout: Duration?, stop: StopFlag) throws(GPIOFault) -> [LineEdge] {
        // The lines' event descriptors, then the stop flag's.
        var fds = lines.map { pollfd(fd: gpiod_line_event_get_fd($0), events: Int16(POLLIN), revents: 0) }
            + [pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, nfds_t(fds.count), timeout?.pollMilliseconds ?? -1)
        if ready < 0 {
            if errno == EINTR { return [] }
            throw .ioFailed(chip: chip.name, reason: String(cString: strerror(errno)))
        }
        var edges: [LineEdge] = []
        var events = [gpiod_line_event](repeating: gpiod_line_event(), count: 16)
        for (index, fd) in fds.dropLast().enumerated() where fd.revents & Int16(POLLIN) != 0 {
            // Every queued event, each with the kernel's CLOCK_MONOTONIC timestamp: a press
            // and its release read together still last as long as the button was held.
            let count = gpiod_line_event_read_multiple(lines[index], &events, UInt32(events.count))
            guard count >= 0 else { throw .ioFailed(chip: chip.name, reason: String(cString: strerror(errno))) }
            for event in events.prefix(Int(count)) {
                // With ACTIVE_LOW requested, libgpiod already reports logical edges.
                edges.append(LineEdge(index: index, active: event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE),
                                      at: .seconds(event.ts.tv_sec) + .nanoseconds(event.ts.tv_nsec)))
            }
        }
        edges.sort { $0.at < $1.at }
        return edges
    }
}
