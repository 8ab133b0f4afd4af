import CLinuxDevices
import Foundation
import Logging
import KioskCore
import Synchronization
import KioskTestSupport
import Testing
@testable import Scanner

/// Collects what a source emits.
final class Collected: Sendable {
    private let events = Mutex<[ScanEvent]>([])
    var all: [ScanEvent] { events.withLock { $0 } }
    var sink: ScanSink { { event in self.events.withLock { $0.append(event) } } }

    /// Waits (polling, bounded) until `count` events arrived; fails saying so if they never do.
    func wait(for count: Int, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("\(count) scan events (\(all.count) came)", timeout: timeout, sourceLocation: sourceLocation) { all.count >= count }
    }
}

@Suite("Line-based scan sources: a real FIFO and a real pseudo-terminal")
struct LineSourceTests {
    let logger = Logger(label: "test")

    @Test("scans written to a FIFO arrive as scan events, also after the writer reopens")
    func fifo() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString).fifo").path
        defer { unlink(path) }
        let collected = Collected()
        let source = LineScanner(input: .fifo(path: path), sink: collected.sink, logger: logger)
        let task = Task { try await source.run() }
        try await waitUntil("the FIFO at \(path)") { access(path, F_OK) == 0 }
        for batch in ["KD:CMD:RECEIVE\r\n6901234567892\n", "KD:BIN:A-01\n"] {
            let fd = open(path, O_WRONLY)
            _ = batch.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        try await collected.wait(for: 3)
        task.cancel()
        try await task.value
        #expect(collected.all.map(\.text) == ["KD:CMD:RECEIVE", "6901234567892", "KD:BIN:A-01"])
        #expect(collected.all.allSatisfy { $0.source == "fifo:\(path)" })
        #expect(source.status == .stopped)
    }

    @Test("a serial scanner on a tty (a pseudo-terminal) delivers CR-terminated codes")
    func serialPTY() async throws {
        var name = [CChar](repeating: 0, count: 64)
        let master = kioskd_open_pty(&name, UInt32(name.count))
        try #require(master >= 0)
        defer { close(master) }
        let slave = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let collected = Collected()
        let source = SerialScanner(path: slave, baud: 115200, sink: collected.sink, logger: logger)
        let task = Task { try await source.run() }
        try await waitUntil("the source to connect (\(source.status))") { source.status.description.hasPrefix("connected") }
        // "connected" is said after the raw set-up and its one flush of the input: what is written now is read.
        _ = "]C1010950110153000310AB123\r".withCString { write(master, $0, strlen($0)) }
        _ = "KD:WO:WO-1\r\n".withCString { write(master, $0, strlen($0)) }
        try await collected.wait(for: 2)
        task.cancel()
        try await task.value
        #expect(collected.all.map(\.text) == ["]C1010950110153000310AB123", "KD:WO:WO-1"])
    }

    @Test("a HID scanner that is not plugged in leaves the source waiting, saying why")
    func missingHIDDevice() async throws {
        let collected = Collected()
        let source = EvdevScanner(device: .path("/dev/input/by-id/usb-missing-scanner-event-kbd"), sink: collected.sink, logger: logger)
        let task = Task { try await source.run() }
        try await waitUntil("the source to leave starting") { source.status != .starting }
        #expect(source.status.description.contains("usb-missing-scanner"))
        task.cancel()
        try await task.value
        #expect(source.status == .stopped)
    }

    @Test("a camera that is not there leaves the source waiting, naming the device")
    func missingCamera() async throws {
        let collected = Collected()
        let source = CameraScanner(settings: CameraSettings(device: "/dev/video-not-here"), sink: collected.sink, logger: logger)
        let task = Task { try await source.run() }
        try await waitUntil("the source to leave starting") { source.status != .starting }
        #expect(source.status.description.contains("cannot open /dev/video-not-here"))
        task.cancel()
        try await task.value
        #expect(source.status == .stopped)
    }
}
