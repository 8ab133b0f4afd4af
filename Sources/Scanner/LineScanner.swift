import Foundation
import KioskCore
import Logging
import ServiceLifecycle

/// Splits bytes read from a serial line, a FIFO or stdin into lines (CR, LF or CRLF).
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D {
                if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return lines
    }
}

/// Reads lines from a descriptor until EOF, an error, or stop. Returns why it ended.
enum LineReadEnd { case endOfFile, failed(Int32), stopped }

func readLines(fd: Int32, flag: StopFlag, onLine: (String) -> Void) -> LineReadEnd {
    var splitter = LineSplitter()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !flag.isStopped {
        guard pollReadable(fd, until: flag, timeout: nil) != 0 else { continue }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { continue }
            return .failed(errno)
        }
        if n == 0 { return .endOfFile }
        for line in splitter.append(buffer[0..<n]) { onLine(line) }
    }
    return .stopped
}

/// Scans typed or piped as lines: standard input, or a named pipe (FIFO) that scripts and
/// the simulated scanner write to. A FIFO is reopened when its writer closes it.
public struct LineScanner: ScanSource {
    public enum Input: Sendable, Hashable {
        case standardInput
        case fifo(path: String)
    }

    public let name: String
    let input: Input
    let sink: ScanSink
    let logger: Logger
    private let cell = StatusCell()

    public var status: ScanSourceStatus { cell.current }
    public func statusUpdates() -> AsyncStream<ScanSourceStatus> { cell.updates() }

    public init(input: Input, sink: @escaping ScanSink, logger: Logger) {
        self.input = input
        self.sink = sink
        self.logger = logger
        name = switch input {
        case .standardInput: "stdin"
        case .fifo(let path): "fifo:\(path)"
        }
    }

    public func run() async throws {
        let (name, input, sink, logger, cell) = (name, input, sink, logger, cell)
        await cancelWhenGracefulShutdown { await Self.loop(name: name, input: input, sink: sink, logger: logger, cell: cell) }
    }

    private static func loop(name: String, input: Input, sink: @escaping ScanSink, logger: Logger, cell: StatusCell) async {
        await runOnDedicatedThread(name: name) { flag in
            let emit: (String) -> Void = { line in
                let text = line.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { sink(ScanEvent(source: name, text: text)) }
            }
            switch input {
            case .standardInput:
                cell.set(.connected("stdin"), logger: logger)
                _ = readLines(fd: 0, flag: flag, onLine: emit)
            case .fifo(let path):
                while !flag.isStopped {
                    if access(path, F_OK) != 0, mkfifo(path, 0o660) != 0, errno != EEXIST {
                        cell.set(.waiting("cannot create FIFO \(path): \(String(cString: strerror(errno)))"), logger: logger)
                        flag.sleep(for: .seconds(1))
                        continue
                    }
                    // Non-blocking open succeeds without a writer; reads then see EOF until one comes.
                    let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
                    guard fd >= 0 else {
                        cell.set(.waiting("cannot open \(path): \(String(cString: strerror(errno)))"), logger: logger)
                        flag.sleep(for: .seconds(1))
                        continue
                    }
                    cell.set(.connected(path), logger: logger)
                    _ = readLines(fd: fd, flag: flag, onLine: emit)
                    close(fd)
                }
            }
            cell.set(.stopped, logger: logger)
        }
    }
}
