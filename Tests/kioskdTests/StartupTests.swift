import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

/// Bytes collected from a pipe as they come.
final class CollectedLog: Sendable {
    private let bytes = Mutex(Data())
    func append(_ data: Data) { bytes.withLock { $0.append(data) } }
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

/// A daemon started on the embedded default with its standard error collected as it comes.
final class RunningDaemon {
    let process = Process()
    private let log = CollectedLog()
    private let err = Pipe()

    init(_ cli: CLI, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "--data-dir", cli.dataDir] + arguments
        process.currentDirectoryURL = cli.directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        err.fileHandleForReading.readabilityHandler = { [log] handle in
            let chunk = handle.availableData
            log.append(chunk)
        }
        try process.run()
    }

    var stderr: String { log.text }

    /// Waits up to 60 s for `text` in the log; fails saying what it waited for.
    func waitForLog(_ text: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !stderr.contains(text) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                Issue.record("waited for \"\(text)\" in the daemon's log (running: \(process.isRunning)):\n\(stderr)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits up to 60 s for the daemon to exit; its status.
    func exitStatus() async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                Issue.record("waited 60 s for the daemon to exit:\n\(stderr)")
                process.terminate()
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The pipe's last bytes reach the handler after the exit: read what is left.
        err.fileHandleForReading.readabilityHandler = nil
        let rest = err.fileHandleForReading.readDataToEndOfFile()
        log.append(rest)
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// A page's live-update stream (`/api/v1/events`), opened and left open.
final class EventStreamClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "connect to 127.0.0.1:\(port)")
        let request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        // The answer's head: the stream is open.
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        try #require(poll(&p, 1, 30_000) == 1, "waited 30 s for the event stream to answer")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        try #require(n > 0 && String(decoding: buffer.prefix(n), as: UTF8.self).contains("200"), "the event stream answers 200")
    }

    func close() { Glibc.close(fd) }
}

@Suite("Start-up that fails loudly")
struct StartupTests {
    @Test("with the web port taken the daemon stops with the reason and never says it is ready, to the log or to systemd")
    func portTaken() async throws {
        let cli = try CLI()
        // Another program holds the port.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(holder, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let notify = try NotifySocket(directory: cli.directory)

        let daemon = try RunningDaemon(cli, arguments: ["--listen", "127.0.0.1:\(port)"], environment: ["NOTIFY_SOCKET": notify.path])
        let status = try await daemon.exitStatus()
        #expect(status != 0, "a daemon that serves nothing does not exit as a success")
        #expect(daemon.stderr.contains("the web server cannot listen on 127.0.0.1:\(port)"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("Address already in use"))
        #expect(daemon.stderr.contains("--listen HOST:PORT"), "the message says what to change")
        #expect(!daemon.stderr.contains("kioskd ready"))
        var messages: [String] = []
        while let message = notify.receive(within: 0.2) { messages.append(message) }
        #expect(!messages.contains { $0.contains("READY=1") }, "\(messages)")
    }

    @Test("--listen HOST:0 takes a free port; \"kioskd ready\" comes only once the pages answer there; SIGTERM stops it with a page's event stream open")
    func readyAfterListening() async throws {
        let cli = try CLI()
        let daemon = try RunningDaemon(cli, arguments: ["--listen", "127.0.0.1:0"])
        try await daemon.waitForLog("kioskd ready")
        let log = daemon.stderr
        let listening = try #require(log.range(of: "web listening on"), "\(log)")
        #expect(listening.lowerBound < log.range(of: "kioskd ready")!.lowerBound, "ready is said after the web server listens:\n\(log)")
        let port = try #require(log.firstMatch(of: /port=(\d+)/).map { String($0.1) }, "\(log)")
        let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("\"ok\""), "\(String(decoding: body, as: UTF8.self))")
        // The headers an origin server owes (RFC 9110 §6.6.1), now that no timer keeps the date.
        let headers = (response as? HTTPURLResponse)?.allHeaderFields ?? [:]
        let date = try #require(headers["Date"] as? String, "\(headers)")
        let parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        parser.timeZone = TimeZone(identifier: "GMT")
        let sent = try #require(parser.date(from: date), "the Date header is an IMF-fixdate: \(date)")
        #expect(abs(sent.timeIntervalSinceNow) < 60, "\(date)")
        #expect(headers["Server"] as? String == "kioskd")
        // A page's event stream left open (a kiosk browser) does not hold the daemon on SIGTERM.
        let stream = try EventStreamClient(port: Int(port)!)
        defer { stream.close() }
        daemon.process.terminate()
        #expect(try await daemon.exitStatus() == 0)
        #expect(daemon.stderr.contains("kioskd stopped"))
    }

    @Test("--listen that is no HOST:PORT is refused before anything starts", arguments: ["8080", "127.0.0.1:", ":8080", "127.0.0.1:70000"])
    func badListen(listen: String) throws {
        let cli = try CLI()
        let result = try cli.run(["run", "--data-dir", cli.dataDir, "--listen", listen])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--listen \(listen): give HOST:PORT"), "\(result.stderr)")
    }
}
