import AsyncHTTPClient
import Foundation
import Hummingbird
import Indicators
import KioskCore
import PostgresHub
import PostgresNIO
import KioskWeb
import Logging
import NIOCore
import Sync

/// Starts the kioskd router (plus `/bench/hello`) on a loopback port; returns the port and the task.
func startServer(_ env: WebEnvironment) async throws -> (port: Int, task: Task<Void, Error>) {
    let router = makeRouter(env)
    router.get("/bench/hello") { _, _ in "hello" }
    let ports = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let app = WebApplication(responder: router.buildResponder(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                             onServerRunning: { ports.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
    let task = Task { try await app.run() }
    var iterator = ports.stream.makeAsyncIterator()
    return (await iterator.next() ?? 0, task)
}

/// wrk's requests per second and p99 latency (ms) for one URL.
func wrk(_ url: String, seconds: Int) throws -> (rps: Double, p99: Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
    process.arguments = ["-t1", "-c32", "-d\(seconds)s", "--latency", url]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    func number(after marker: String) -> Double {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) else { return 0 }
        let field = line.split(separator: " ").last.map(String.init) ?? ""
        if field.hasSuffix("ms") { return Double(field.dropLast(2)) ?? 0 }
        if field.hasSuffix("us") { return (Double(field.dropLast(2)) ?? 0) / 1000 }
        if field.hasSuffix("s") { return (Double(field.dropLast(1)) ?? 0) * 1000 }
        return Double(field) ?? 0
    }
    return (number(after: "Requests/sec"), number(after: "99%"))
}

/// Section 3: the lobby status endpoint against a hello-world route in the same server, under
/// wrk from loopback (1 thread, 32 connections), alternating, 3 × 4 s each.
func benchLobby(scratch: URL) async throws -> [Verdict] {
    let database = try KioskDatabase.open(at: scratch.appendingPathComponent("lobby.sqlite").path)
    for i in 1...20 {
        _ = try database.workshop.open(WorkOrderDraft(ticketCode: "WO-\(i)", plate: "粤B\(10000 + i)", vin: "LSVAU2180N2183294",
                                                      customerPhone: "13800138000", bay: "BAY-\(i % 6)"), actor: "desk")
    }
    let env = WebEnvironment(database: database, counter: Counter(database: database, deviceID: "bench"), health: HealthBoard())
    let (port, task) = try await startServer(env)
    defer { task.cancel() }
    var lobby: [(Double, Double)] = [], hello: [(Double, Double)] = []
    for _ in 0..<3 {
        hello.append(try wrk("http://127.0.0.1:\(port)/bench/hello", seconds: 4))
        lobby.append(try wrk("http://127.0.0.1:\(port)/api/v1/lobby", seconds: 4))
    }
    let h = hello.map(\.0).reduce(0, +) / 3, l = lobby.map(\.0).reduce(0, +) / 3
    print("Lobby endpoint vs hello-world, same Hummingbird server, wrk -t1 -c32, 3 × 4 s alternating (20 open jobs)")
    print("| route | requests/s | p99 ms | ratio |")
    print("|---|---|---|---|")
    print(String(format: "| /bench/hello | %.0f | %.2f | 1.00 |", h, hello.map(\.1).max() ?? 0))
    print(String(format: "| /api/v1/lobby | %.0f | %.2f | %.2f |", l, lobby.map(\.1).max() ?? 0, l / h))
    return [Verdict(name: "lobby / hello-world requests per second", ratio: l / h, target: 0.7)]
}

/// Section 4: 10,000 events from a device to a hub over loopback: the hub's SQLite store, and
/// the PostgreSQL ledger when a server is given (a new database on it, dropped afterwards).
func benchSync(scratch: URL, ledger: String?) async throws -> [Verdict] {
    print("Sync: 10,000 queued stock movements from a device to the hub over loopback (batches of 500);")
    print("plain JSON and gzip alternately, 5 rounds each, medians")
    print("| hub store | body | events/s | bytes/event | seconds |")
    print("|---|---|---|---|---|")
    var plain: [(perSecond: Double, bytesPerEvent: Int, seconds: Double)] = [], gzip = plain
    for round in 0..<5 {
        plain.append(try await drainToHub(scratch: scratch.appendingPathComponent("sync-plain-\(round)"), ledger: nil, compress: false))
        gzip.append(try await drainToHub(scratch: scratch.appendingPathComponent("sync-gzip-\(round)"), ledger: nil, compress: true))
    }
    func median(_ runs: [(perSecond: Double, bytesPerEvent: Int, seconds: Double)]) -> (perSecond: Double, bytesPerEvent: Int, seconds: Double) {
        runs.sorted { $0.perSecond < $1.perSecond }[runs.count / 2]
    }
    let p = median(plain), g = median(gzip)
    print(String(format: "| SQLite | plain JSON | %.0f | %d | %.2f |", p.perSecond, p.bytesPerEvent, p.seconds))
    print(String(format: "| SQLite | gzip | %.0f | %d | %.2f |", g.perSecond, g.bytesPerEvent, g.seconds))
    print("events/s per round, plain: " + plain.map { String(format: "%.0f", $0.perSecond) }.joined(separator: ", ")
          + "; gzip: " + gzip.map { String(format: "%.0f", $0.perSecond) }.joined(separator: ", "))
    // Each gzip round against the plain round just before it: the disk and the other core move
    // whole rounds by ±15% here, so the verdict is the median of the five pairs, and "not
    // lower" is read as within 5%.
    let pairs = zip(gzip, plain).map { $0.perSecond / $1.perSecond }.sorted()
    print("gzip / plain per pair: " + pairs.map { String(format: "%.2f", $0) }.joined(separator: ", "))
    let verdicts = [Verdict(name: "sync bytes per event on the wire (gzip)", ratio: Double(g.bytesPerEvent), target: 150, atMost: true),
                    Verdict(name: "sync events/s, gzip / plain JSON (median of pairs)", ratio: pairs[pairs.count / 2], target: 0.95)]
    guard let ledger else {
        print("| PostgreSQL | | not measured: no server (--ledger or KIOSKD_TEST_POSTGRES) | | |")
        return verdicts
    }
    let server = try LedgerLocation(url: ledger)
    let logger = Logger(label: "bench.ledger")
    let name = "kd_bench_\(UUID().uuidString.prefix(8).lowercased())"
    var location = server
    location.database = name
    let admin = PostgresClient(configuration: try server.configuration(), backgroundLogger: logger)
    let client = PostgresClient(configuration: try location.configuration(), backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await admin.run() }
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        group.addTask { await client.run() }
        let pg = try await drainToHub(scratch: scratch.appendingPathComponent("sync-postgres"), ledger: client)
        print(String(format: "| PostgreSQL ledger (+ the hub's SQLite copy) | gzip | %.0f | %d | %.2f |", pg.perSecond, pg.bytesPerEvent, pg.seconds))
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        group.cancelAll()
    }
    return verdicts
}

/// Drains 10,000 queued receipts from a new device to a new hub; with `ledger`, the hub keeps
/// its ledger on that client's database.
func drainToHub(scratch: URL, ledger client: PostgresClient?, compress: Bool = true) async throws -> (perSecond: Double, bytesPerEvent: Int, seconds: Double) {
    let hub = try KioskDatabase.open(at: scratch.appendingPathComponent("hub/kioskd.sqlite").path)
    let device = try KioskDatabase.open(at: scratch.appendingPathComponent("device/kioskd.sqlite").path)
    for db in [hub, device] {
        try db.catalog.save(Bin(code: "A-01"))
        try db.catalog.save(Part(partNumber: "P1", nameZh: "刹车片", nameEn: "Brake pad", defaultBin: "A-01"), barcodes: [])
    }
    try device.outbox.enable()
    for _ in 0..<10_000 {
        _ = try device.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 1, toBin: "A-01", deviceID: "counter", actor: "C1"))
    }
    let code = try hub.hub.enrolmentCode(for: "counter", role: .counter, actor: "bench")
    var ledger: PostgresLedger?
    if let client {
        ledger = PostgresLedger(client: client, store: hub, storeID: "bench", logger: Logger(label: "bench.ledger"))
        try await ledger?.migrate()
    }
    let env = WebEnvironment(database: hub, counter: Counter(database: hub, deviceID: "hub"), health: HealthBoard(),
                             isHub: true, ledger: ledger)
    let (port, task) = try await startServer(env)
    defer { task.cancel() }
    let sync = try SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(port)", deviceID: "counter",
                                                     tokenFile: scratch.appendingPathComponent("device/sync-token").path, compress: compress))
    try await sync.enrol(code: code)
    let start = ContinuousClock.now
    let (events, bytes) = try await SyncService.drainMeasured(sync, database: device)
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
    guard events == 10_000, try hub.stock.balances().reduce(0, { $0 + $1.quantity }) == 10_000 else {
        throw BenchError("the hub does not hold the 10,000 receipts after the drain")
    }
    return (Double(events) / seconds, bytes / max(events, 1), seconds)
}

/// Section 5: from a scan handed to the scan desk (the path every scanner's scan takes: the
/// duplicate window, the counter's commit on the store's writer thread, the indicators) to
/// the green lamp's line going high, on the simulated GPIO backend in process (the QEMU rig's
/// bench watches the real lines). Beside it, the durable commit alone, in the same run.
func benchLamp(scratch: URL) async throws -> [Verdict] {
    let database = try KioskDatabase.open(at: scratch.appendingPathComponent("lamp.sqlite").path)
    try database.catalog.save(Bin(code: "A-01"))
    try database.catalog.save(Part(partNumber: "P1", nameZh: "刹车片", nameEn: "Brake pad", defaultBin: "A-01"), barcodes: [])
    let counter = Counter(database: database, deviceID: "bench")
    _ = try counter.handle(ScanEvent(source: "bench", text: "KD:CMD:RECEIVE"))
    _ = try counter.handle(ScanEvent(source: "bench", text: "KD:BIN:A-01"))
    let gpio = SimulatedGPIO()
    let signals = IndicatorSignals()
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let desk = ScanDesk(counter: counter, indicators: [signals], logger: logger)
    let lamps: [Lamp: LineRef] = [.red: .offset(0), .amber: .offset(1), .green: .offset(2), .blue: .offset(3)]
    let service = StackLightService(config: StackLightConfig(chip: "gpiochip0", lamps: lamps), backend: gpio, signals: signals,
                                    health: HealthBoard(), logger: logger) { nil }
    let task = Task { try await service.run() }
    defer { task.cancel() }
    while gpio.value(offset: 2) != false { await Task.yield() }     // the lines are requested and dark
    var samples = Samples(), seen = Samples(), commits = Samples()
    for _ in 0..<200 {
        // The commit alone (the same receipt, straight to the counter), then the whole path.
        try commits.time { _ = try counter.handle(ScanEvent(source: "bench-direct", text: "P1")) }
        let start = monotonicNow()
        let feedback = await desk.submit(ScanEvent(source: "bench", text: "P1"))
        precondition(feedback.accepted)
        while gpio.value(offset: 2) != true { await Task.yield() }
        let looked = monotonicNow()
        // The lamp lit when the line was driven (the simulated backend stamps each change with
        // the same monotonic clock); the bench's own task sees it one hand-off later, once
        // `submit` has resumed it on the concurrency pool.
        let lit = gpio.history(offset: 2).last { $0.high }!.at
        samples.values.append(UInt64((lit - start).inSeconds * 1e9))
        seen.values.append(UInt64((looked - start).inSeconds * 1e9))
        signals.send(.acknowledge)          // ends the flash: the next scan starts from a dark lamp
        while gpio.value(offset: 2) == true { await Task.yield() }
    }
    print("Scan to lamp: scan desk → durable movement → green line high, simulated GPIO in process, 200 scans")
    print("| path | p50 µs | p99 µs |")
    print("|---|---|---|")
    print(String(format: "| Counter.handle alone (the commit) | %.0f | %.0f |", commits.percentile(0.5), commits.percentile(0.99)))
    print(String(format: "| scan desk to green line high | %.0f | %.0f |", samples.percentile(0.5), samples.percentile(0.99)))
    print(String(format: "| scan desk to the bench's task seeing it (submit resumed) | %.0f | %.0f |", seen.percentile(0.5), seen.percentile(0.99)))
    return [Verdict(name: "scan to lamp in process, p50 µs", ratio: samples.percentile(0.5), target: 500, atMost: true)]
}

/// Section 6: the daemon's footprint: start-up to ready, resident memory idle and under
/// load, wake-ups while idle, and the stripped binary's size. The daemon is a bay board (a
/// job repairing at its bay: a steady green lamp on the simulated GPIO, buttons, a FIFO
/// scanner, the web server), on a store of its own.
func benchFootprint(kioskd: String, scratch: URL, idleSeconds: Int) async throws -> [Verdict] {
    guard FileManager.default.isExecutableFile(atPath: kioskd) else { print("footprint: no kioskd at \(kioskd) (swift build -c release, or scripts/build-board)"); return [] }
    let data = scratch.appendingPathComponent("footprint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    let config = data.appendingPathComponent("kioskd.toml").path
    try ("[device]\nid = \"fp\"\ndata_dir = \"\(data.path)\"\n[bay]\nid = \"BAY-1\"\n[web]\nlisten = \"127.0.0.1:0\"\n[backup]\nenabled = false\n"
         + "[[scanners]]\nkind = \"fifo\"\npath = \"\(data.path)/scan.fifo\"\n"
         + "[gpio]\nchip = \"gpiochip0\"\nbackend = \"simulated\"\nbuzzer = 4\n[gpio.lamps]\nred = 0\namber = 1\ngreen = 2\nblue = 3\n"
         + "[gpio.buttons]\nadvance = 8\nhelp = 9\n")
        .write(toFile: config, atomically: true, encoding: .utf8)
    let csv = data.appendingPathComponent("parts.csv").path
    try "part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n".write(toFile: csv, atomically: true, encoding: .utf8)
    let importer = Process()
    importer.executableURL = URL(fileURLWithPath: kioskd)
    importer.arguments = ["parts", "import", csv, "--config", config]
    importer.standardOutput = FileHandle.nullDevice
    try importer.run()
    importer.waitUntilExit()
    // A job repairing at the bay: the lamp shows steady green.
    for arguments in [["jobs", "open", "--ticket", "WO-1", "--plate", "粤B12345", "--vin", "LSVAU2180N2183294", "--phone", "13800138000", "--bay", "BAY-1"],
                      ["jobs", "next", "WO-1"], ["jobs", "next", "WO-1"]] {
        let command = Process()
        command.executableURL = URL(fileURLWithPath: kioskd)
        command.arguments = arguments + ["--config", config]
        command.standardOutput = FileHandle.nullDevice
        try command.run()
        command.waitUntilExit()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: kioskd)
    process.arguments = ["run", "--config", config]
    // The daemon logs every scan: to a file, never to a pipe nobody drains.
    let logPath = data.appendingPathComponent("kioskd.err").path
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    process.standardError = FileHandle(forWritingAtPath: logPath)
    process.standardOutput = FileHandle.nullDevice
    let start = ContinuousClock.now
    try process.run()
    var log = ""
    while !log.contains("port="), ContinuousClock.now - start < .seconds(30) {
        try await Task.sleep(for: .milliseconds(2))
        log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
    let ready = ContinuousClock.now - start
    let port = log.components(separatedBy: "port=").last.map { String($0.prefix { $0.isNumber }) } ?? "0"
    func rss() -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    }
    try await Task.sleep(for: .seconds(1))
    let idle = rss()
    // Wake-ups while idle: each thread's count of times it was put on a CPU
    // (/proc/<pid>/task/*/schedstat, third field), summed, over idleSeconds. Read once a second
    // so that a thread that ends meanwhile (a dispatch worker let go) keeps what it counted.
    func runs() -> [String: Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/task")) ?? []
        var counts: [String: Int] = [:]
        for task in tasks {
            let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
            if let runs = stat.split(separator: " ").dropFirst(2).first.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                counts[task] = runs
            }
        }
        return counts
    }
    let before = runs()
    var latest = before
    for _ in 0..<idleSeconds {
        try await Task.sleep(for: .seconds(1))
        latest.merge(runs()) { max($0, $1) }
    }
    let wakeups = Double(latest.reduce(0) { $0 + $1.value - (before[$1.key] ?? 0) }) / Double(idleSeconds)
    let rollup = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/smaps_rollup", encoding: .utf8)) ?? ""
    func rollupKB(_ key: String) -> Int {
        rollup.split(separator: "\n").first { $0.hasPrefix(key + ":") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
    }
    let anonymous = rollupKB("Anonymous"), fileBacked = rollupKB("Rss") - rollupKB("Anonymous")
    // Load: 2,000 scans through the FIFO while wrk reads the lobby.
    let feeder = Task.detached {
        guard let fifo = FileHandle(forWritingAtPath: data.appendingPathComponent("scan.fifo").path) else { return }
        fifo.write(Data("KD:CMD:RECEIVE\nKD:BIN:A-01\n".utf8))
        for _ in 0..<2000 { fifo.write(Data("P1\n".utf8)) }
        try? fifo.close()
    }
    _ = try wrk("http://127.0.0.1:\(port)/api/v1/lobby", seconds: 4)
    await feeder.value
    let loaded = rss()
    process.terminate()
    process.waitUntilExit()
    let stripped = data.appendingPathComponent("kioskd-stripped").path
    try FileManager.default.copyItem(atPath: kioskd, toPath: stripped)
    let strip = Process()
    strip.executableURL = URL(fileURLWithPath: "/usr/bin/strip")
    strip.arguments = [stripped]
    try strip.run()
    strip.waitUntilExit()
    let size = (try FileManager.default.attributesOfItem(atPath: stripped)[.size] as? Int) ?? 0
    print("Footprint of \(kioskd), a bay board with a steady lamp")
    print("| start-up to web ready | RSS idle (anonymous + file-backed) | RSS under load (2,000 scans + wrk on the lobby) | wake-ups idle | stripped binary |")
    print("|---|---|---|---|---|")
    print(String(format: "| %.0f ms | %.1f MB (%.1f + %.1f) | %.1f MB | %.1f/s over %d s | %.1f MB |",
                 Double(ready.components.attoseconds) / 1e15 + Double(ready.components.seconds) * 1000,
                 Double(idle) / 1024, Double(anonymous) / 1024, Double(fileBacked) / 1024, Double(loaded) / 1024, wakeups, idleSeconds,
                 Double(size) / 1_048_576))
    return [Verdict(name: "idle wake-ups per second (bay, steady lamp)", ratio: wakeups, target: 5, atMost: true),
            Verdict(name: "RSS idle, MB", ratio: Double(idle) / 1024, target: 40, atMost: true)]
}

/// A benchmark whose run went wrong (not a slow figure: a wrong result).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
