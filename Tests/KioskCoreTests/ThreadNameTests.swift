import Foundation
import Synchronization
import Testing
@testable import KioskCore

/// kioskd's own threads carry their names into the kernel, where `top -H`, `ps -L` and
/// `perf` read them.
@Suite("Thread names in the kernel")
struct ThreadNameTests {
    /// The kernel's names of this process's threads (a thread that ends meanwhile is skipped).
    static func kernelThreadNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { tid in
            try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        }
    }

    /// The thread names seen from inside a device loop started with `name`.
    static func namesSeen(insideLoopNamed name: String) async throws -> [String] {
        let seen = Mutex<[String]?>(nil)
        await runOnDedicatedThread(name: name) { _ in
            seen.withLock { $0 = try? Self.kernelThreadNames() }
        }
        return try #require(seen.withLock { $0 })
    }

    @Test("a device loop's thread shows its name, cut to the kernel's 15 bytes")
    func dedicatedThreadIsNamed() async throws {
        let names = try await Self.namesSeen(insideLoopNamed: "hid:HIL Barcode Scanner")
        #expect(names.contains("hid:HIL Barcode"), "thread names while the loop ran: \(names)")
    }

    @Test("the scan desk's thread is kioskd-counter")
    func scanDeskThreadIsNamed() async throws {
        let store = try TemporaryStore(seeded: false)
        let desk = ScanDesk(counter: Counter(database: store.database, deviceID: "T"), indicators: [], logger: .init(label: "test"))
        await desk.handledSoFar()   // the thread has started and taken an entry
        let names = try Self.kernelThreadNames()
        #expect(names.contains("kioskd-counter"), "thread names: \(names)")
    }

    @Test("a name of several-byte characters is cut at a character boundary")
    func cutAtCharacterBoundary() async throws {
        // 20 bytes in UTF-8, the 15th inside 号: the kernel alone would keep half of it.
        let names = try await Self.namesSeen(insideLoopNamed: "ab扫描枪一号柜")
        #expect(names.contains("ab扫描枪一"), "thread names while the loop ran: \(names)")
    }
}

@Suite("Background threads out of the scan path's way")
struct IdlePriorityTests {
    @Test("a thread asks for the idle class and the kernel shows it (policy 5 in /proc)")
    func idleClass() async throws {
        let seen = Mutex<(agreed: Bool, policy: String?)?>(nil)
        await runOnDedicatedThread(name: "idle-test") { _ in
            let agreed = runAtIdlePriority()
            // Field 41 of /proc/thread-self/stat is the policy; the name (field 2) has no spaces here.
            let stat = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8)
            let policy = stat.map { $0.split(separator: " ") }.flatMap { $0.count > 40 ? String($0[40]) : nil }
            seen.withLock { $0 = (agreed, policy) }
        }
        let result = try #require(seen.withLock { $0 })
        #expect(result.agreed)
        #expect(result.policy == "5", "policy field of /proc/thread-self/stat: \(result.policy ?? "unread")")
    }
}
