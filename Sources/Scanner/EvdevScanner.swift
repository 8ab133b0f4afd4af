import CLinuxDevices
import Foundation
import KioskCore
import Logging
import ServiceLifecycle

/// A USB HID barcode scanner in keyboard-wedge mode, read through evdev
/// (`/dev/input/event*`). The device is grabbed (`EVIOCGRAB`) so that codes never reach a
/// console or another program; unplugging it makes the source wait and reopen it when it
/// comes back, without a restart.
public struct EvdevScanner: ScanSource {
    /// How the device is found.
    public enum Device: Sendable, Hashable {
        /// A fixed path, best a stable one under `/dev/input/by-id/`.
        case path(String)
        /// The first `/dev/input/event*` whose name (`EVIOCGNAME`) contains this text.
        case name(String)
    }

    public let name: String
    let device: Device
    let interKeyTimeout: Duration
    let sink: ScanSink
    let logger: Logger
    let retryInterval: TimeInterval
    private let cell = StatusCell()

    public var status: ScanSourceStatus { cell.current }
    public func statusUpdates() -> AsyncStream<ScanSourceStatus> { cell.updates() }

    public init(device: Device, interKeyTimeout: Duration = .milliseconds(50), retryInterval: TimeInterval = 0.5,
                sink: @escaping ScanSink, logger: Logger) {
        self.device = device
        self.interKeyTimeout = interKeyTimeout
        self.retryInterval = retryInterval
        self.sink = sink
        self.logger = logger
        name = switch device {
        case .path(let p): "hid:\(p)"
        case .name(let n): "hid:\(n)"
        }
    }

    public func run() async throws {
        let me = self
        await cancelWhenGracefulShutdown { await runOnDedicatedThread(name: name) { flag in me.loop(flag) } }
    }

    private func loop(_ flag: StopFlag) {
        while !flag.isStopped {
            guard let path = resolvePath() else {
                cell.set(.waiting("no input device named \(device)"), logger: logger)
                flag.sleep(for: .seconds(retryInterval))
                continue
            }
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                cell.set(.waiting("cannot open \(path): \(String(cString: strerror(errno)))"), logger: logger)
                flag.sleep(for: .seconds(retryInterval))
                continue
            }
            guard Self.grab(fd) else {
                let reason = String(cString: strerror(errno))
                close(fd)
                cell.set(.waiting("cannot grab \(path) (another program holds it?): \(reason)"), logger: logger)
                flag.sleep(for: .seconds(retryInterval))
                continue
            }
            cell.set(.connected(path), logger: logger)
            readEvents(fd: fd, path: path, flag: flag)
            close(fd) // closing releases the grab
        }
        cell.set(.stopped, logger: logger)
    }

    private func readEvents(fd: Int32, path: String, flag: StopFlag) {
        Self.rehearse(interKeyTimeout: interKeyTimeout)
        var assembler = HIDScanAssembler(interKeyTimeout: interKeyTimeout)
        let size = MemoryLayout<input_event>.stride
        var events = [input_event](repeating: input_event(), count: 64)
        // The kernel's time of the last key event read: a drop long after it means keys of a
        // new scan were lost, not only the releases of the scan just read.
        var lastKeyEventTime: Duration?
        while !flag.isStopped {
            // Only a scan half typed needs a look at the clock (its keys may have stopped);
            // otherwise the thread sleeps until a key or the stop.
            let revents = pollReadable(fd, until: flag, timeout: assembler.isTyping ? .milliseconds(20) : nil)
            if revents == 0 {
                if let scan = assembler.flush(at: monotonicNow()) { emit(scan) }
                continue
            }
            if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0, revents & Int16(POLLIN) == 0 {
                cell.set(.waiting("\(path) went away"), logger: logger)
                return
            }
            let n = events.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                // ENODEV: unplugged. Go back to waiting for it.
                cell.set(.waiting("\(path): \(String(cString: strerror(errno)))"), logger: logger)
                return
            }
            let now = monotonicNow()
            for event in events.prefix(n / size) {
                switch (event.type, event.code) {
                case (1, _): // EV_KEY
                    logger.trace("key", metadata: ["code": "\(event.code)", "value": "\(event.value)"])
                    lastKeyEventTime = Self.kernelTime(event)
                    let lostBefore = assembler.lostScans
                    let scans = assembler.feed(code: event.code, value: event.value, at: now)
                    if assembler.lostScans > lostBefore { signalLost(path: path) }
                    for scan in scans { emit(scan) }
                case (0, 3): // EV_SYN / SYN_DROPPED: the kernel's buffer for us overflowed
                    let lostBefore = assembler.lostScans
                    let afterPause = lastKeyEventTime.map { Self.kernelTime(event) - $0 > interKeyTimeout } ?? true
                    assembler.eventsDropped(at: now, afterPause: afterPause)
                    if assembler.lostScans > lostBefore {
                        signalLost(path: path)
                    } else {
                        logger.info("events dropped between scans: a scan is lost only if keys follow", metadata: ["device": "\(path)"])
                    }
                default:
                    continue
                }
            }
        }
    }

    /// The reader's path once before the first key: a made-up scan through the key map, and
    /// a scan event made and dropped. In the QEMU rig the reader's first scan after connecting
    /// fell behind the keys, and the kernel dropped some (a "scan lost" for the clerk). See
    /// also `Counter.rehearse()`.
    static func rehearse(interKeyTimeout: Duration) {
        HIDScanAssembler.rehearse(interKeyTimeout: interKeyTimeout, at: monotonicNow())
        _ = ScanEvent(source: "rehearsal", text: "")
    }

    /// An event's time as the kernel stamped it (the same clock for every event of a device).
    static func kernelTime(_ event: input_event) -> Duration {
        .seconds(Int64(event.time.tv_sec)) + .microseconds(Int64(event.time.tv_usec))
    }

    private func emit(_ text: String) {
        sink(ScanEvent(source: name, text: text))
    }

    /// A scan lost to dropped events: logged, and the clerk hears it (unknown code: red
    /// blinking, two short beeps) and scans again.
    private func signalLost(path: String) {
        let lost = "扫描丢失，请重新扫描 / scan lost (the reader fell behind and the kernel dropped keys): scan again"
        logger.warning("\(lost)", metadata: ["device": "\(path)"])
        sink(ScanEvent(source: name, text: "", readFailure: lost))
    }

    private func resolvePath() -> String? {
        switch device {
        case .path(let p):
            return FileManager.default.fileExists(atPath: p) ? p : nil
        case .name(let wanted):
            return Self.inputDevices().first { $0.name.localizedCaseInsensitiveContains(wanted) }?.path
        }
    }

    /// Every `/dev/input/event*` with its name.
    public static func inputDevices() -> [(path: String, name: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/input")) ?? []
        return entries.filter { $0.hasPrefix("event") }.sorted {
            (Int($0.dropFirst(5)) ?? 0) < (Int($1.dropFirst(5)) ?? 0)
        }.compactMap { entry in
            let path = "/dev/input/\(entry)"
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let r = buffer.withUnsafeMutableBytes {
                kioskd_evdev_name(fd, $0.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32($0.count))
            }
            guard r >= 0 else { return nil }
            return (path, String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
        }
    }

    /// EVIOCGRAB: exclusive access to the device's events.
    static func grab(_ fd: Int32) -> Bool { kioskd_evdev_grab(fd, 1) == 0 }
}
