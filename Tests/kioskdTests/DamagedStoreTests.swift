import Foundation
import Synchronization
import Testing

@Suite("A damaged store")
struct DamagedStoreTests {
    @Test("the daemon refuses to write to a store that fails quick_check, and says how to restore it")
    func refusesWrites() async throws {
        let cli = try CLI()
        _ = try cli.store("parts", "import", cli.write("parts.csv", "part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n"))
        let db = cli.dataDir + "/kioskd.sqlite"
        // Enough rows for several pages, all in the main file, then garbage over a page in the middle.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [db, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000)
            INSERT INTO scan_log (scanID, source, text, scannedAt, accepted, message, deviceID)
            SELECT randomblob(16), 'fifo', 'P1', '2026-11-25 10:00:00.000', 1, 'OK', 'c1' FROM n;
            PRAGMA wal_checkpoint(TRUNCATE);
            """]
        try sqlite.run()
        sqlite.waitUntilExit()
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: db))
        try file.seek(toOffset: 4096 * 20)
        file.write(Data(repeating: 0xA5, count: 4096))
        try file.close()
        let config = cli.write("k.toml", "[device]\nid = \"c1\"\ndata_dir = \"\(cli.dataDir)\"\n[web]\nenabled = false\n[[scanners]]\nkind = \"stdin\"\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "--config", config]
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // What the daemon prints, as it prints it: the test waits for its answer to the scan.
        let printed = Mutex(Data())
        out.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            printed.withLock { $0.append(chunk) }
        }
        input.fileHandleForWriting.write(Data("KD:CMD:RECEIVE\nP1\n".utf8))
        let deadline = ContinuousClock.now + .seconds(60)
        while !String(decoding: printed.withLock { $0 }, as: UTF8.self).contains("kioskd backup restore") {
            guard ContinuousClock.now < deadline, process.isRunning else {
                Issue.record("waited 60 s for the daemon to answer the scan with the damaged store's refusal")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        let result = (stdout: String(decoding: printed.withLock { $0 } + rest, as: UTF8.self),
                      stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        #expect(result.stdout.contains("REJECTED 数据库已损坏"), "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("kioskd backup restore"))
        #expect(!result.stdout.contains("OK"), "nothing is acknowledged")
        #expect(result.stderr.contains("critical"))
    }
}
