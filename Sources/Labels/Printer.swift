import Foundation
import KioskCore
#if canImport(Glibc)
import Glibc
#endif

/// A printer as the config names it (`[[printers]]`).
public struct PrinterConfig: Sendable, Hashable {
    public enum Connection: Sendable, Hashable {
        /// Raw TCP, port 9100 on most label and receipt printers.
        case tcp(host: String, port: Int)
        /// A USB printer's device file, e.g. `/dev/usb/lp0`.
        case device(String)
        /// A CUPS queue (`lp -d QUEUE -o raw`).
        case cups(String)
        /// A folder where each job is written as a file (PDF or PNG previews, or a spool).
        case directory(String)
    }

    public var name: String
    public var format: PrintFormat
    public var connection: Connection
    public var dpi: Int

    public init(name: String, format: PrintFormat, connection: Connection, dpi: Int = 203) {
        self.name = name
        self.format = format
        self.connection = connection
        self.dpi = dpi
    }

    public var address: String {
        switch connection {
        case let .tcp(host, port): "\(host):\(port)"
        case .device(let path), .directory(let path): path
        case .cups(let queue): "cups:\(queue)"
        }
    }
}

/// Why a job did not reach the printer. The job stays queued and is tried again.
public enum PrinterError: Error, Sendable, Hashable, CustomStringConvertible {
    case offline(printer: String, address: String, reason: String)
    case paperOut(printer: String)
    case paused(printer: String)
    case coverOpen(printer: String)
    case rejected(printer: String, reason: String)
    case unknownPrinter(String, known: [String])

    public var description: String {
        switch self {
        case let .offline(printer, address, reason):
            "打印机 \(printer) 离线（\(address)）/ printer \(printer) is offline at \(address): \(reason). 任务已保留，稍后重试 / the job is kept and retried"
        case .paperOut(let printer):
            "打印机 \(printer) 缺纸 / printer \(printer) is out of paper: load labels or paper; the job is kept and retried"
        case .paused(let printer):
            "打印机 \(printer) 已暂停 / printer \(printer) is paused: press its pause button; the job is kept and retried"
        case .coverOpen(let printer):
            "打印机 \(printer) 盖子未关 / printer \(printer) has its cover open: close it; the job is kept and retried"
        case let .rejected(printer, reason):
            "打印机 \(printer) 拒绝任务 / printer \(printer) refused the job: \(reason); the job is kept and retried"
        case let .unknownPrinter(name, known):
            "未配置打印机 \(name) / no printer named \(name) in the config (known: \(known.isEmpty ? "none: add a [[printers]] table" : known.joined(separator: ", ")))"
        }
    }
}

/// Sends bytes to a printer, asking a network label or receipt printer for its status first
/// (ZPL `~HS`, ESC/POS `DLE EOT 4`) so that no paper and a paused printer are told apart
/// from a printer that took the job.
public struct PrinterLink: Sendable {
    public let printer: PrinterConfig
    /// How long to wait to connect and for a status answer.
    public var timeout: Duration = .seconds(3)

    public init(_ printer: PrinterConfig) { self.printer = printer }

    /// Delivers `data` (a job already in the printer's language) as the job `name`.
    public func send(_ data: Data, name: String) throws(PrinterError) {
        switch printer.connection {
        case let .tcp(host, port):
            let socket = try connect(host: host, port: port)
            defer { close(socket) }
            try checkStatus(socket)
            try write(socket, data)
        case .device(let path):
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .offline(printer: printer.name, address: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            try write(fd, data)
        case .cups(let queue):
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-print-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: file) }
            do { try data.write(to: file) } catch { throw .rejected(printer: printer.name, reason: "\(error)") }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/lp")
            process.arguments = ["-d", queue, "-t", name] + (printer.format == .pdf || printer.format == .png ? [] : ["-o", "raw"]) + [file.path]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            do { try process.run() } catch {
                throw .offline(printer: printer.name, address: "cups:\(queue)", reason: "cannot run lp (apt-get install cups-client): \(error)")
            }
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw .offline(printer: printer.name, address: "cups:\(queue)", reason: message.isEmpty ? "lp exited \(process.terminationStatus)" : message)
            }
        case .directory(let path):
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: path).appendingPathComponent("\(name).\(printer.format.rawValue)"), options: .atomic)
            } catch {
                throw .offline(printer: printer.name, address: path, reason: "\(error)")
            }
        }
    }

    private func connect(host: String, port: Int) throws(PrinterError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .offline(printer: printer.name, address: printer.address, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .offline(printer: printer.name, address: printer.address, reason: String(cString: strerror(errno))) }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .offline(printer: printer.name, address: printer.address, reason: reason)
        }
        return fd
    }

    private func write(_ fd: Int32, _ data: Data) throws(PrinterError) {
        var sent = 0
        let bytes = [UInt8](data)
        while sent < bytes.count {
            // A printer that hangs up must give an error, not SIGPIPE: send() on sockets with
            // MSG_NOSIGNAL, write() on device files (where send() fails with ENOTSOCK).
            var n = bytes.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == ENOTSOCK { n = bytes.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + sent, bytes.count - sent) } }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .offline(printer: printer.name, address: printer.address, reason: String(cString: strerror(errno))) }
            sent += n
        }
    }

    /// Asks the printer for its status; a printer that does not answer is given the job.
    private func checkStatus(_ fd: Int32) throws(PrinterError) {
        switch printer.format {
        case .zpl:
            try write(fd, Data("~HS".utf8))
            guard let answer = read(fd, until: 3) else { return }
            // ~HS: three STX…ETX strings; the first's 2nd field is "paper out", the 3rd "pause".
            let fields = String(decoding: answer, as: UTF8.self).split(separator: "\u{03}").first?
                .replacingOccurrences(of: "\u{02}", with: "").split(separator: ",").map(String.init) ?? []
            if fields.count > 2 {
                if fields[1] == "1" { throw .paperOut(printer: printer.name) }
                if fields[2] == "1" { throw .paused(printer: printer.name) }
            }
        case .escpos:
            try write(fd, Data([0x10, 0x04, 0x04]))                 // DLE EOT 4: paper sensor status
            if let answer = read(fd, until: 1), let byte = answer.first, byte & 0x60 == 0x60 { throw .paperOut(printer: printer.name) }
            try write(fd, Data([0x10, 0x04, 0x02]))                 // DLE EOT 2: off-line cause
            if let answer = read(fd, until: 1), let byte = answer.first, byte & 0x04 != 0 { throw .coverOpen(printer: printer.name) }
        case .pdf, .png:
            return
        }
    }

    /// Reads an answer: `count` ETX bytes (ZPL) or `count` bytes (ESC/POS), `nil` on time-out.
    private func read(_ fd: Int32, until count: Int) -> [UInt8]? {
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return answer.isEmpty ? nil : answer }
            answer += buffer[0..<n]
            if printer.format == .escpos ? answer.count >= count : answer.filter({ $0 == 0x03 }).count >= count { return answer }
        }
    }
}
