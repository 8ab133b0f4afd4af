import Dispatch
import Foundation
import GRDB
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import KioskCore
import KioskTestSupport
import Logging
import Synchronization
import Testing
@testable import KioskWeb

/// A commit that does not come back (a slow fsync, a dying SD card, another process holding
/// the write lock) must not stop the rest: store work runs on threads of the store's own, so
/// Swift's cooperative pool (two threads on a 2-core board) stays free for the pages.
@Suite("A stalled writer")
struct SlowDiskTests {
    @Test("while the writer is stalled with scans queued behind it, the lobby and /healthz still answer; then every scan commits")
    func lobbyAnswersWhileWriterStalls() async throws {
        let f = try WebFixture()
        // If store work blocked the cooperative pool, no wait of this test could even run to
        // fail: a watchdog on a dispatch thread says what happened and stops the run.
        // (A thread of its own: Swift's pool on Linux runs on dispatch's global queues.)
        let finished = Mutex(false)
        Thread {
            Thread.sleep(forTimeInterval: 90)
            guard !finished.withLock({ $0 }) else { return }
            FileHandle.standardError.write(Data("SlowDiskTests: no answer in 90 s; store work is blocking Swift's cooperative pool\n".utf8))
            exit(1)
        }.start()
        defer { finished.withLock { $0 = true } }
        let desk = ScanDesk(counter: Counter(database: f.database, deviceID: "counter-1"), indicators: [], logger: Logger(label: "test"))
        try await f.app(desk: desk).test(.live) { client in
            let clerk = try await signIn(client, as: .clerk)
            let base = "http://127.0.0.1:\(client.port!)"
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = 64
            configuration.timeoutIntervalForRequest = 60
            let session = URLSession(configuration: configuration)

            // Stall the store's writer from a thread of its own, as a slow fsync would, until released.
            let release = DispatchSemaphore(value: 0)
            let pool = f.database.pool
            await withCheckedContinuation { (held: CheckedContinuation<Void, Never>) in
                Thread {
                    pool.writeWithoutTransaction { _ -> Void in
                        held.resume()
                        release.wait()
                    }
                }.start()
            }
            // More scans than the machine has cores, each waiting for the stalled writer.
            let scans = 4 * max(ProcessInfo.processInfo.activeProcessorCount, 2) + 4
            let ids = (0..<scans).map { _ in UUID() }
            let answers = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for id in ids {
                        group.addTask {
                            var request = URLRequest(url: URL(string: base + "/api/v1/scans")!)
                            request.httpMethod = "POST"
                            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                            request.setValue("kd_session=\(clerk.cookie)", forHTTPHeaderField: "Cookie")
                            request.setValue(clerk.csrf, forHTTPHeaderField: "X-CSRF-Token")
                            request.httpBody = try JSONEncoder().encode(ScanRequest(text: "6901234567892", id: id))
                            let (_, response) = try await session.data(for: request)
                            return (response as? HTTPURLResponse)?.statusCode ?? 0
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Bounded: every scan has reached the scan desk (the first held in its commit by
            // the stalled writer, the rest queued behind it).
            var budget = WaitBudget(timeout: .seconds(30))
            while desk.queue.pending < scans {
                guard budget.look() else {
                    Issue.record("waited \(budget.account) for \(scans) scans to queue at the scan desk; \(desk.queue.pending) did")
                    release.signal()
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            for path in ["/lobby", "/api/v1/lobby", "/healthz", "/api/v1/track/\(f.order.publicToken)"] {
                var request = URLRequest(url: URL(string: base + path)!)
                request.timeoutInterval = 10
                let started = ContinuousClock.now
                let (_, response) = try await session.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(path) answers while \(scans) scans wait for the writer")
                #expect(ContinuousClock.now - started < .seconds(10))
            }
            #expect(desk.queue.pending == scans, "the scans were still waiting when the pages answered")
            release.signal()
            let statuses = try await answers.value
            #expect(statuses.count == scans && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            let logged = try await f.database.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scan_log WHERE scanID IN (\(databaseQuestionMarks(count: ids.count)))",
                                 arguments: StatementArguments(ids)) ?? 0
            }
            #expect(logged == scans, "every scan committed once the writer came back")
        }
    }
}
