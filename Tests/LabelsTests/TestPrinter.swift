import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A network printer on loopback for the tests: it records every job it receives and
/// answers status queries (ZPL `~HS`, ESC/POS `DLE EOT`) with the state it is set to.
final class TestPrinter: @unchecked Sendable {
    enum State { case ready, paperOut, paused }

    let port: Int
    private let listener: Int32
    /// Guards the state and the jobs; signalled when a job has been read to its end.
    private let lock = NSCondition()
    private var _state: State = .ready
    private var _jobs: [Data] = []
    private var thread: Thread?

    var state: State {
        get { lock.withLock { _state } }
        set { lock.withLock { _state = newValue } }
    }
    var jobs: [Data] { lock.withLock { _jobs } }

    /// The jobs once `count` have arrived (the printer reads a job to its end after the sender
    /// closes the connection). Fewer within `seconds` is the test's failure, named, not a
    /// shorter list for the test to trip over later.
    func jobs(count: Int, seconds: Double = 5, sourceLocation: SourceLocation = #_sourceLocation) -> [Data] {
        let deadline = Date().addingTimeInterval(seconds)
        return lock.withLock {
            while _jobs.count < count, lock.wait(until: deadline) {}
            if _jobs.count < count {
                Issue.record("the test printer received \(_jobs.count) of \(count) jobs within \(seconds) s", sourceLocation: sourceLocation)
            }
            return _jobs
        }
    }

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 8)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        start()
    }

    private func start() {
        let thread = Thread { [self] in serve() }
        self.thread = thread
        thread.start()
    }

    /// Stops listening: the printer is switched off.
    func switchOff() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            var answered = 0
            while true {
                let n = read(client, &buffer, buffer.count)
                guard n > 0 else { break }
                received += buffer[0..<n]
                // Answer each status query once, as it arrives.
                let queries = statusQueries(in: received)
                while answered < queries.count {
                    let answer = reply(to: queries[answered])
                    _ = answer.withUnsafeBufferPointer { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    answered += 1
                }
            }
            close(client)
            let job = stripQueries(received)
            if !job.isEmpty { lock.withLock { _jobs.append(Data(job)); lock.broadcast() } }
        }
    }

    private func statusQueries(in bytes: [UInt8]) -> [[UInt8]] {
        var found: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            if bytes[i...].starts(with: Array("~HS".utf8)) { found.append(Array("~HS".utf8)); i += 3 }
            else if bytes[i...].starts(with: [0x10, 0x04]) && i + 2 < bytes.count { found.append(Array(bytes[i...i + 2])); i += 3 }
            else { i += 1 }
        }
        return found
    }

    private func stripQueries(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        while out.starts(with: Array("~HS".utf8)) { out.removeFirst(3) }
        while out.starts(with: [0x10, 0x04]) && out.count >= 3 { out.removeFirst(3) }
        return out
    }

    private func reply(to query: [UInt8]) -> [UInt8] {
        let state = self.state
        if query == Array("~HS".utf8) {
            let paper = state == .paperOut ? "1" : "0", pause = state == .paused ? "1" : "0"
            return Array("\u{02}030,\(paper),\(pause),1245,000,0,0,0,000,0,0,0\u{03}\r\n\u{02}000,0,0,0,0,2,4,0,00000000,1,000\u{03}\r\n\u{02}1234,0\u{03}\r\n".utf8)
        }
        if query == [0x10, 0x04, 0x04] { return [state == .paperOut ? 0x72 : 0x12] }
        return [0x12]
    }
}
