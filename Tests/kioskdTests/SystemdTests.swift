import Foundation
import Testing

/// A Unix datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    let fd: Int32

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind \(path): \(String(cString: strerror(errno)))")
    }

    deinit { close(fd) }

    /// The next datagram, or nil after `seconds`.
    func receive(within seconds: Double) -> String? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : nil
    }
}

@Suite("Running under systemd (Type=notify, watchdog)")
struct SystemdTests {
    /// The daemon as systemd starts it: the notification socket and a 400 ms watchdog (pings every 200 ms).
    func startUnderSystemd(_ cli: CLI, socket: NotifySocket) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "--data-dir", cli.dataDir, "--listen", "127.0.0.1:0"]
        process.currentDirectoryURL = cli.directory
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socket.path
        environment["WATCHDOG_USEC"] = "400000"
        process.environment = environment
        process.standardInput = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("the daemon says READY once up, pings the watchdog while its store answers, and says STOPPING on SIGTERM")
    func notify() throws {
        let cli = try CLI()
        let socket = try NotifySocket(directory: cli.directory)
        let process = try startUnderSystemd(cli, socket: socket)
        defer { if process.isRunning { process.terminate() } }
        let ready = socket.receive(within: 20)
        #expect(ready?.contains("READY=1") == true, "\(ready ?? "nothing")")
        var pings = 0
        for _ in 0..<3 where socket.receive(within: 5) == "WATCHDOG=1" { pings += 1 }
        #expect(pings == 3)
        process.terminate()
        var stopping = false
        while let message = socket.receive(within: 10) { if message.contains("STOPPING=1") { stopping = true; break } }
        process.waitUntilExit()
        #expect(stopping)
        #expect(process.terminationStatus == 0)
    }

    @Test("a write lock held by another process (a long import) does not withhold the watchdog: the daemon's own writer still answers")
    func lockHeldElsewhere() throws {
        let cli = try CLI()
        _ = try cli.store("parts", "import", cli.write("p.csv", "part_number,name_zh\nP1,配件\n"))
        let socket = try NotifySocket(directory: cli.directory)
        let process = try startUnderSystemd(cli, socket: socket)
        defer { if process.isRunning { process.terminate() } }
        #expect(socket.receive(within: 20)?.contains("READY=1") == true)
        #expect(socket.receive(within: 5) == "WATCHDOG=1")
        // Another process takes the store's write lock and keeps it for 8 s (longer than the
        // 5 s the writer check waits): systemd must not restart a daemon that is not wedged.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [cli.dataDir + "/kioskd.sqlite"]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nINSERT INTO kiosk_meta (name, value) VALUES ('held', '1');\n".utf8))
        var pings = 0, unhealthy: String?
        let until = Date().addingTimeInterval(8)
        while Date() < until, let message = socket.receive(within: 2) {
            if message == "WATCHDOG=1" { pings += 1 }
            if message.contains("STATUS=unhealthy") { unhealthy = message }
        }
        input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(unhealthy == nil, "the watchdog was withheld while another process held the lock: \(unhealthy ?? "")")
        #expect(pings >= 20, "pings every 200 ms for 8 s while the lock is held elsewhere; got \(pings)")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
