import AsyncHTTPClient
import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import KioskCore
import Logging
import NIOCore
import Synchronization
import Testing
@testable import KioskWeb
@testable import Sync

/// Sync's bodies gzip-compressed when both ends can, and plain JSON with a hub that cannot.
@Suite("Compressed sync")
struct SyncCompressionTests {
    @Test("once the hub says it takes gzip, pushes go compressed: 1,000 movements arrive once each at ≤ 150 bytes an event, and a large pull comes back compressed")
    func pushesGoCompressed() async throws {
        let (hub, hubDir) = try syncStore("gz-hub"), (device, deviceDir) = try syncStore("gz-dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        try device.outbox.enable()
        try receive(device, 1000, device: "counter-1")
        for n in 0..<60 { try hub.catalog.save(Part(partNumber: "HUB-\(n)", nameZh: "配件\(n)", nameEn: "Part \(n)"), barcodes: []) }
        try await hubApp(hub).test(.live) { client in
            let upstream = "http://127.0.0.1:\(client.port!)"
            SyncClient.gzipHubs.withLock { _ = $0.remove(upstream) }
            let sync = SyncClient(settings: SyncSettings(upstream: upstream, deviceID: "counter-1",
                                                         tokenFile: deviceDir.appendingPathComponent("sync-token").path), http: .shared)
            try await sync.enrol(code: code)
            #expect(SyncClient.gzipHubs.withLock { $0.contains(upstream) }, "the enrolment's answer said the hub takes gzip")
            let (sent, bytes) = try await SyncService.drainMeasured(sync, database: device)
            #expect(sent == 1000)
            #expect(Double(bytes) / 1000 <= 150, "\(bytes) bytes for 1,000 events")

            // The pull of the hub's 60 new parts is over 1 KiB: it comes back gzip, and the
            // device reads it.
            let pulled = try await SyncService.pull(sync, database: device)
            #expect(pulled >= 60)
            #expect(try count(device, "SELECT COUNT(*) FROM part WHERE partNumber LIKE 'HUB-%'") == 60)
            var request = HTTPClientRequest(url: upstream + "/api/v1/sync/pull?after=0")
            request.headers.add(name: "Authorization", value: "Bearer \(try sync.token())")
            request.headers.add(name: "Accept-Encoding", value: "gzip")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.headers.first(name: "Content-Encoding") == "gzip")
            #expect(response.headers.first(name: "Vary") == "Accept-Encoding")
        }
        #expect(try count(hub, "SELECT COUNT(*) FROM hub_event") == 1000)
        #expect(try onHand(hub) == 1000 && onHand(device) == 1000)
    }

    @Test("the hub reads a gzip push from any client, refuses an encoding it does not know with 415 naming gzip, and a body that unpacks past the upload limit with 400, storing nothing")
    func hubChecksWhatItUnpacks() async throws {
        let (hub, hubDir) = try syncStore("gz-hub2"), (device, deviceDir) = try syncStore("gz-dev2")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        try device.outbox.enable()
        try receive(device, 3, device: "counter-1")
        try await hubApp(hub).test(.live) { client in
            let upstream = "http://127.0.0.1:\(client.port!)"
            let sync = SyncClient(settings: SyncSettings(upstream: upstream, deviceID: "counter-1",
                                                         tokenFile: deviceDir.appendingPathComponent("sync-token").path), http: .shared)
            try await sync.enrol(code: code)
            let token = try sync.token()
            func push(_ body: ByteBuffer, encoding: String) async throws -> HTTPClientResponse {
                var request = HTTPClientRequest(url: upstream + "/api/v1/sync/push")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Content-Encoding", value: encoding)
                request.body = .bytes(body)
                return try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            }
            var json = ByteBuffer(data: try SyncClient.encoder.encode(PushRequest(deviceID: "counter-1", events: try device.outbox.pending())))

            let unknown = try await push(json, encoding: "br")
            #expect(unknown.status == .unsupportedMediaType)
            #expect(unknown.headers.first(name: "Accept-Encoding") == "gzip")

            // 3 MB of white space packs into a few kilobytes, and unpacks past the 2 MiB limit.
            var bomb = ByteBuffer(string: "{\"deviceID\":\"counter-1\",\"events\":[" + String(repeating: " ", count: 3_000_000) + "]}")
            let bombResponse = try await push(try bomb.compress(with: .gzip()), encoding: "gzip")
            #expect(bombResponse.status == .badRequest)
            #expect(try count(hub, "SELECT COUNT(*) FROM hub_event") == 0)

            let gzipped = try await push(try json.compress(with: .gzip()), encoding: "gzip")
            #expect(gzipped.status == .ok)
        }
        #expect(try count(hub, "SELECT COUNT(*) FROM hub_event") == 3)
    }

    @Test("a hub from before compression (no Accept-Encoding in its answers) gets plain JSON pushes")
    func oldHubGetsPlainJSON() async throws {
        let (device, deviceDir) = try syncStore("gz-old")
        defer { try? FileManager.default.removeItem(at: deviceDir) }
        try device.outbox.enable()
        try receive(device, 50, device: "counter-1")
        let encodings = Mutex<[String]>([])
        let stored = Mutex(0)
        // What an older kioskd hub answers: plain JSON, no Accept-Encoding.
        let router = Router()
        router.post("/api/v1/sync/enrol") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(EnrolResponse(deviceID: "counter-1", token: "t")))))
        }
        router.post("/api/v1/sync/push") { request, _ in
            encodings.withLock { $0.append(request.headers[.contentEncoding] ?? "identity") }
            let body = try await request.body.collect(upTo: 16 << 20)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = WireDate.decoding
            let push = try decoder.decode(PushRequest.self, from: Data(body.readableBytesView))
            stored.withLock { $0 += push.events.count }
            let answer = PushResponse(ackedSeq: push.events.map(\.seq).max() ?? 0, stored: push.events.count, rejected: [])
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(answer))))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let upstream = "http://127.0.0.1:\(client.port!)"
            SyncClient.gzipHubs.withLock { _ = $0.remove(upstream) }
            let sync = SyncClient(settings: SyncSettings(upstream: upstream, deviceID: "counter-1", tokenFile: deviceDir.appendingPathComponent("sync-token").path,
                                                         batchSize: 20), http: .shared)
            try await sync.enrol(code: "any")
            #expect(try await SyncService.drain(sync, database: device) == 50)
        }
        #expect(stored.withLock { $0 } == 50)
        #expect(encodings.withLock { $0 } == ["identity", "identity", "identity"])
    }
}

/// Keeps what is logged, for tests that read the log.
final class CapturedLog: Sendable {
    let lines = Mutex<[(message: String, metadata: [String: String])]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let fields = (metadata ?? [:]).mapValues { "\($0)" }
            log.lines.withLock { $0.append(("\(message)", fields)) }
        }
    }
}

@Suite("Draining a backlog")
struct DrainProgressTests {
    @Test("a board sending a backlog logs how far it is after each full batch, and once when it has caught up")
    func drainSaysHowFarItIs() async throws {
        let (hub, hubDir) = try syncStore("drain-hub"), (device, deviceDir) = try syncStore("drain-dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        try device.outbox.enable()
        try receive(device, 1200, device: "counter-1")
        let log = CapturedLog()
        try await hubApp(hub).test(.live) { client in
            let sync = SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "counter-1",
                                                         tokenFile: deviceDir.appendingPathComponent("sync-token").path, batchSize: 500), http: .shared)
            try await sync.enrol(code: code)
            #expect(try await SyncService.drain(sync, database: device, logger: log.logger) == 1200)
        }
        let lines = log.lines.withLock { $0 }
        let progress = lines.filter { $0.message.contains("sync catching up") }.map { [$0.metadata["sent"] ?? "", $0.metadata["waiting"] ?? ""] }
        #expect(progress == [["500", "700"], ["1000", "200"]], "\(lines)")
        let done = lines.filter { $0.message.contains("sync caught up") }
        #expect(done.count == 1 && done.first?.metadata["sent"] == "1200" && done.first?.metadata["batches"] == "3", "\(lines)")
    }
}

extension SyncCompressionTests {
    @Test("a device that learned gzip and finds an older hub in its place (400 to a packed body, no Accept-Encoding) sends the batch again plain, and plain from then on")
    func downgradedHubGetsPlainAgain() async throws {
        let (device, deviceDir) = try syncStore("gz-down")
        defer { try? FileManager.default.removeItem(at: deviceDir) }
        try device.outbox.enable()
        try receive(device, 40, device: "counter-1")
        let encodings = Mutex<[String]>([])
        let router = Router()
        router.post("/api/v1/sync/push") { request, _ in
            let encoding = request.headers[.contentEncoding] ?? "identity"
            encodings.withLock { $0.append(encoding) }
            guard encoding == "identity" else { throw HTTPError(.badRequest, message: "not JSON") }
            let body = try await request.body.collect(upTo: 16 << 20)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = WireDate.decoding
            let push = try decoder.decode(PushRequest.self, from: Data(body.readableBytesView))
            let answer = PushResponse(ackedSeq: push.events.map(\.seq).max() ?? 0, stored: push.events.count, rejected: [])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(answer))))
        }
        try FileManager.default.createDirectory(at: deviceDir, withIntermediateDirectories: true)
        try Data("t\n".utf8).write(to: deviceDir.appendingPathComponent("sync-token"))
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let upstream = "http://127.0.0.1:\(client.port!)"
            SyncClient.gzipHubs.withLock { _ = $0.insert(upstream) }   // learned from the hub that was there before
            let sync = SyncClient(settings: SyncSettings(upstream: upstream, deviceID: "counter-1", tokenFile: deviceDir.appendingPathComponent("sync-token").path,
                                                         batchSize: 20), http: .shared)
            let drained = try await SyncService.drain(sync, database: device)
            #expect(drained == 40)
            #expect(!SyncClient.gzipHubs.withLock { $0.contains(upstream) })
        }
        #expect(encodings.withLock { $0 } == ["gzip", "identity", "identity"])
    }

    @Test("a device's own HTTP client (not the shared one, which unpacks by itself) reads a gzip answer")
    func ownClientUnpacksAnswers() async throws {
        let (hub, hubDir) = try syncStore("gz-own-hub"), (device, deviceDir) = try syncStore("gz-own-dev")
        defer { try? FileManager.default.removeItem(at: hubDir); try? FileManager.default.removeItem(at: deviceDir) }
        let code = try hub.hub.enrolmentCode(for: "counter-1", role: .counter, actor: "test")
        for n in 0..<60 { try hub.catalog.save(Part(partNumber: "HUB-\(n)", nameZh: "配件\(n)", nameEn: "Part \(n)"), barcodes: []) }
        try await hubApp(hub).test(.live) { client in
            let sync = try SyncClient(settings: SyncSettings(upstream: "http://127.0.0.1:\(client.port!)", deviceID: "counter-1",
                                                             tokenFile: deviceDir.appendingPathComponent("sync-token").path))
            try await sync.enrol(code: code)
            let pulled = try await SyncService.pull(sync, database: device)
            #expect(pulled >= 60)
        }
        #expect(try count(device, "SELECT COUNT(*) FROM part WHERE partNumber LIKE 'HUB-%'") == 60)
    }

    @Test("Accept-Encoding: gzip named with a weight decides; * counts only when gzip is not named", arguments: [
        (["gzip"], true), (["gzip;q=0"], false), (["gzip;q=0, *"], false), (["*"], true), (["*;q=0"], false),
        (["br, gzip;q=0.5"], true), (["identity"], false), ([], false), (["GZIP ; q=1.0"], true),
    ])
    func acceptEncoding(values: [String], accepted: Bool) {
        #expect(SyncBodies.acceptsGzip(values) == accepted)
    }
}
