import CLinuxDevices
import Foundation
import KioskCore
import Logging
import ServiceLifecycle

/// The TV standard an analogue capture input needs (S-Video and composite grabbers).
public enum VideoStandard: String, Sendable, Hashable, CaseIterable {
    case ntsc, pal

    var code: Int32 { self == .ntsc ? 1 : 2 }
}

/// What to open on a V4L2 capture device.
public struct CameraSettings: Sendable, Hashable {
    /// `/dev/video0`, or a stable `/dev/v4l/by-id/…` link.
    public var device: String
    /// The capture input to select, if the device has several (a USB webcam has one).
    public var input: Int?
    public var standard: VideoStandard?
    public var width: Int
    public var height: Int
    /// What to look for; `nil`: the store's set (``BarcodeReader/storeSymbologies``).
    public var symbologies: Set<Symbology>?
    /// How long the passes may look at one frame: a frame's time at 30 frames a second.
    /// Frames that arrive meanwhile are dropped, never queued.
    public var frameBudget: Duration = .milliseconds(30)
    /// How long a code must have been unseen (and missed by two frames read since) before it
    /// counts again: see ``CodesInView``.
    public var outOfViewWindow: Duration = .seconds(2)

    public init(device: String, input: Int? = nil, standard: VideoStandard? = nil, width: Int = 640, height: Int = 480,
                symbologies: Set<Symbology>? = nil) {
        self.device = device
        self.input = input
        self.standard = standard
        self.width = width
        self.height = height
        self.symbologies = symbologies
    }
}

/// A camera pointed at the counter: frames captured with plain V4L2 mmap streaming (8-bit
/// grey or YUYV), their brightness read by a ``BarcodeReader`` in process (zbar, libdmtx and
/// the passes that make a worn or badly lit code readable, within a frame's budget). Only the
/// newest frame is read: when reading falls behind, older frames are dropped, never queued.
/// A symbol is a scan when it comes into view: a code held in front of the camera is one scan
/// however many frames show it and however long each takes to read (``CodesInView``). A camera
/// that goes away is reopened when it returns.
///
/// zbar's own video module is not used: it crashed on V4L2 devices where plain streaming works.
public struct CameraScanner: ScanSource {
    public let name: String
    let settings: CameraSettings
    let sink: ScanSink
    let logger: Logger
    private let cell = StatusCell()

    public var status: ScanSourceStatus { cell.current }
    public func statusUpdates() -> AsyncStream<ScanSourceStatus> { cell.updates() }

    public init(settings: CameraSettings, sink: @escaping ScanSink, logger: Logger) {
        self.settings = settings
        self.sink = sink
        self.logger = logger
        name = "camera:\(settings.device)"
    }

    public func run() async throws {
        let me = self
        await cancelWhenGracefulShutdown { await runOnDedicatedThread(name: name) { flag in me.loop(flag) } }
    }

    private func loop(_ flag: StopFlag) {
        let reader = BarcodeReader(symbologies: settings.symbologies ?? BarcodeReader.storeSymbologies)
        var camera = kioskd_camera()
        var view = CodesInView(window: settings.outOfViewWindow)
        let clock = ContinuousClock()
        let started = clock.now
        while !flag.isStopped {
            let step = kioskd_camera_open(&camera, settings.device, Int32(settings.input ?? -1), settings.standard?.code ?? 0,
                                          UInt32(settings.width), UInt32(settings.height))
            guard step == KIOSKD_CAMERA_OK else {
                cell.set(.waiting(Self.describe(step, device: settings.device, errno: errno)), logger: logger)
                flag.sleep(for: .seconds(1))
                continue
            }
            let format = kioskd_camera_is_yuyv(&camera) != 0 ? "YUYV" : "GREY"
            // A camera's first frames are dark while its exposure settles: they do not say that a
            // code in view before a reconnect has gone.
            let settled = clock.now - started + Self.exposureSettling
            cell.set(.connected("\(settings.device) \(camera.width)×\(camera.height) \(format)"), logger: logger)
            while !flag.isStopped {
                var used: UInt32 = 0
                var index = kioskd_camera_next(&camera, 100, &used)
                if index == -2 { continue }
                // Frames that queued while the last one was read are stale: keep the newest.
                var newerUsed: UInt32 = 0
                while index >= 0, case let newer = kioskd_camera_next(&camera, 0, &newerUsed), newer >= 0 {
                    _ = kioskd_camera_requeue(&camera, UInt32(index))
                    index = newer
                    used = newerUsed
                }
                guard index >= 0 else {
                    cell.set(.waiting("\(settings.device): \(String(cString: strerror(errno)))"), logger: logger)
                    break
                }
                let bytes = UnsafeRawBufferPointer(start: kioskd_camera_buffer(&camera, UInt32(index)), count: Int(used))
                let (width, height, stride) = (Int(camera.width), Int(camera.height), Int(camera.bytes_per_line))
                let frame = kioskd_camera_is_yuyv(&camera) != 0
                    ? GrayImage(yuyv: bytes, width: width, height: height, bytesPerLine: stride)
                    : GrayImage(grey: bytes, width: width, height: height, bytesPerLine: stride)
                _ = kioskd_camera_requeue(&camera, UInt32(index))
                let capturedAt = clock.now - started
                let reading = reader.readFrame(frame, budget: settings.frameBudget)
                var cameIntoView = view.frame(reading.symbols.map(\.scanText), capturedAt: capturedAt, countsMisses: capturedAt >= settled)
                for symbol in reading.symbols {
                    guard let position = cameIntoView.firstIndex(of: symbol.scanText) else { continue }
                    cameIntoView.remove(at: position)
                    sink(ScanEvent(source: name, text: symbol.scanText, symbology: symbol.symbology))
                }
            }
            kioskd_camera_close(&camera)
        }
        cell.set(.stopped, logger: logger)
    }

    /// How long after streaming starts a frame without a code is no evidence that it has gone.
    static let exposureSettling: Duration = .seconds(1)

    static func describe(_ step: kioskd_camera_step, device: String, errno code: Int32) -> String {
        let reason = String(cString: strerror(code))
        return switch step {
        case KIOSKD_CAMERA_OPEN: "cannot open \(device): \(reason)"
        case KIOSKD_CAMERA_NOT_CAPTURE: "\(device) is not a video capture device with streaming: \(reason)"
        case KIOSKD_CAMERA_INPUT: "\(device) has no such input: \(reason) (check input)"
        case KIOSKD_CAMERA_STANDARD: "\(device) does not take that TV standard: \(reason) (check standard)"
        case KIOSKD_CAMERA_FORMAT: "\(device) offers neither 8-bit grey nor YUYV at that size (MJPEG-only cameras are not supported)"
        case KIOSKD_CAMERA_BUFFERS: "\(device) gave no streaming buffers: \(reason)"
        default: "\(device) would not start streaming: \(reason)"
        }
    }
}

extension GrayImage {
    /// The brightness (Y) of a packed YUYV 4:2:2 frame: every other byte of each line.
    public init(yuyv bytes: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerLine: Int) {
        var pixels = [UInt8](repeating: 0, count: width * height)
        let rows = min(height, bytes.count / max(bytesPerLine, 1))
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<rows {
                let line = y * bytesPerLine
                for x in 0..<width { out[y * width + x] = bytes[line + 2 * x] }
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// An 8-bit grey frame whose lines may be padded to `bytesPerLine`.
    public init(grey bytes: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerLine: Int) {
        var pixels = [UInt8](repeating: 0, count: width * height)
        let rows = min(height, bytes.count / max(bytesPerLine, 1))
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<rows {
                let line = y * bytesPerLine
                for x in 0..<width { out[y * width + x] = bytes[line + x] }
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
