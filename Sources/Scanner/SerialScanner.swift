import Foundation
import KioskCore
import Logging
import ServiceLifecycle

/// A serial barcode scanner (RS-232 or USB CDC-ACM, `/dev/ttyUSB*`, `/dev/ttyACM*`) that
/// sends each code as a line ended by CR, LF or CRLF. Raw mode, 8N1, no flow control.
/// A scanner that goes away is reopened when it returns.
public struct SerialScanner: ScanSource {
    public let name: String
    let path: String
    let baud: Int
    let sink: ScanSink
    let logger: Logger
    private let cell = StatusCell()

    public var status: ScanSourceStatus { cell.current }
    public func statusUpdates() -> AsyncStream<ScanSourceStatus> { cell.updates() }

    public static let supportedBaudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400]

    public init(path: String, baud: Int = 9600, sink: @escaping ScanSink, logger: Logger) {
        self.path = path
        self.baud = baud
        self.sink = sink
        self.logger = logger
        name = "serial:\(path)"
    }

    public func run() async throws {
        let me = self
        await cancelWhenGracefulShutdown { await runOnDedicatedThread(name: name) { flag in me.loop(flag) } }
    }

    private func loop(_ flag: StopFlag) {
        while !flag.isStopped {
            let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                cell.set(.waiting("cannot open \(path): \(String(cString: strerror(errno)))"), logger: logger)
                flag.sleep(for: .seconds(1))
                continue
            }
            if let problem = configure(fd) {
                // Not a tty (a FIFO in tests, a pty): read it anyway, as lines.
                logger.debug("serial set-up skipped", metadata: ["path": "\(path)", "reason": "\(problem)"])
            }
            cell.set(.connected(path), logger: logger)
            let end = readLines(fd: fd, flag: flag) { line in
                let text = line.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { sink(ScanEvent(source: name, text: text)) }
            }
            close(fd)
            if case .failed(let e) = end { cell.set(.waiting("\(path): \(String(cString: strerror(e)))"), logger: logger) }
            if case .endOfFile = end { flag.sleep(for: .milliseconds(200)) }
        }
        cell.set(.stopped, logger: logger)
    }

    /// Raw 8N1 at the configured speed; returns why it could not, if it could not.
    private func configure(_ fd: Int32) -> String? {
        var tio = termios()
        guard tcgetattr(fd, &tio) == 0 else { return String(cString: strerror(errno)) }
        cfmakeraw(&tio)
        tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
        tio.c_cflag &= ~tcflag_t(CRTSCTS)
        let speed: speed_t = switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        case 230400: speed_t(B230400)
        default: speed_t(B9600)
        }
        cfsetispeed(&tio, speed)
        cfsetospeed(&tio, speed)
        guard tcsetattr(fd, TCSANOW, &tio) == 0 else { return String(cString: strerror(errno)) }
        tcflush(fd, TCIFLUSH)
        return nil
    }
}
