import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdCore
import Logging
import Testing
@testable import KioskWeb

@Suite("The web application")
struct WebApplicationTests {
    @Test("the Date header is RFC 9110's IMF-fixdate, in GMT", arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_796_256_000, "Thu, 03 Dec 2026 00:00:00 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
    ])
    func dateHeader(seconds: Int, expected: String) {
        #expect(HTTPDate.format(secondsSince1970: seconds) == expected)
    }

    @Test("serves a router over loopback with Date and Server headers, and a handler's unknown error as a bare 500")
    func servesOverLoopback() async throws {
        struct Broken: Error {}
        let router = Router()
        router.get("/hello") { _, _ in "你好" }
        router.get("/broken") { _, _ -> String in throw Broken() }
        let (ports, port) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test")
        logger.logLevel = .critical // the cancel at the end is logged as an error
        let app = WebApplication(responder: router.buildResponder(),
                                 configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "kioskd"),
                                 onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let server = Task { try await app.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let listening = try #require(await iterator.next(), "the server never said it listens")

        let session = URLSession(configuration: .ephemeral)
        let (body, response) = try await session.data(from: URL(string: "http://127.0.0.1:\(listening)/hello")!)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self) == "你好")
        let date = try #require(http.value(forHTTPHeaderField: "Date"))
        #expect(date.hasSuffix(" GMT") && date.count == 29, "\(date)")
        #expect(http.value(forHTTPHeaderField: "Server") == "kioskd")

        let (_, failed) = try await session.data(from: URL(string: "http://127.0.0.1:\(listening)/broken")!)
        #expect((failed as? HTTPURLResponse)?.statusCode == 500)
        #expect((failed as? HTTPURLResponse)?.value(forHTTPHeaderField: "Date") != nil)
    }
}
