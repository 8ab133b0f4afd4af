import Foundation
import Hummingbird
import HummingbirdTesting
import KioskCore
import Testing
@testable import KioskWeb

/// A store with one job at BAY-1, and the kioskd router on a live server over loopback.
final class WebFixture: Sendable {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-web-\(UUID().uuidString)")
    let database: KioskDatabase
    let health = HealthBoard()
    let order: WorkOrder

    init() throws {
        database = try KioskDatabase.open(at: directory.appendingPathComponent("kioskd.sqlite").path)
        try database.catalog.save(Bin(code: "A-01"))
        try database.catalog.save(Part(partNumber: "P1", nameZh: "刹车片", nameEn: "Brake pad", safetyStock: 1, defaultBin: "A-01"), barcodes: ["6901234567892"])
        try database.workshop.save(Technician(badge: "T1", name: "王师傅"))
        try database.workshop.setPIN(badge: "T1", pin: "2468", actor: "admin-test")
        for person in Self.staff where person.badge != "T1" {
            try database.workshop.save(Technician(badge: person.badge, name: person.name))
            try database.workshop.setPIN(badge: person.badge, pin: person.pin, actor: "admin-test")
            try database.access.setRole(badge: person.badge, to: person.role, actor: "test")
        }
        order = try database.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294",
                                                          customerPhone: "13800138000", bay: "BAY-1"), actor: "advisor")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// One person per role, each with a PIN.
    static let staff: [(badge: String, name: String, role: StaffRole, pin: String)] = [
        ("C1", "李配件", .clerk, "1357"), ("T1", "王师傅", .technician, "2468"), ("A1", "张顾问", .serviceAdvisor, "8642"),
        ("M1", "赵经理", .manager, "9753"), ("AD", "管理员", .admin, "1122"),
    ]
    static func person(_ role: StaffRole) -> (badge: String, pin: String) {
        let p = staff.first { $0.role == role }!
        return (p.badge, p.pin)
    }

    func app(limiter: RateLimiter = RateLimiter(capacity: 20, perMinute: 30), printing: PrintingSetup? = nil,
             desk: ScanDesk? = nil) -> some ApplicationProtocol {
        let env = WebEnvironment(database: database, counter: Counter(database: database, deviceID: "counter-1"),
                                 health: health, trackLimiter: limiter, bay: "BAY-1", printing: printing, desk: desk)
        return Application(router: makeRouter(env))
    }
}

/// A signed-in browser: its session cookie and the CSRF token its pages send.
struct SignedIn {
    var cookie: String
    var csrf: String
    /// Headers of a JSON request that changes something.
    var json: HTTPFields { [.contentType: "application/json", .cookie: "kd_session=\(cookie)", .csrfToken: csrf] }
    /// Headers of a read.
    var read: HTTPFields { [.cookie: "kd_session=\(cookie)"] }
}

/// Signs in through the API as the person with `role` in ``WebFixture/staff``.
func signIn(_ client: some TestClientProtocol, as role: StaffRole) async throws -> SignedIn {
    let person = WebFixture.person(role)
    let response = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                            body: try body(SignInRequest(badge: person.badge, pin: person.pin)))
    #expect(response.status == .created)
    let setCookie = response.headers[.setCookie] ?? ""
    let cookie = setCookie.split(separator: ";").first.map { String($0.dropFirst("kd_session=".count)) } ?? ""
    return SignedIn(cookie: cookie, csrf: try json(response)["csrfToken"] as? String ?? "")
}

func json(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

func body(_ value: some Encodable) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONEncoder().encode(value))
}

@Suite("The HTTP API over loopback")
struct WebTests {
    @Test("the lobby shows masked plates and stages, and never a phone, VIN or name")
    func lobby() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let response = try await client.execute(uri: "/api/v1/lobby", method: .get)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(text.contains("粤B·***45") && text.contains("enteredWorkshop"))
            #expect(!text.contains("13800138000") && !text.contains("LSVAU2180N2183294") && !text.contains("粤B12345"))
        }
    }

    @Test("the phone page finds a vehicle only by its token, and look-ups are rate limited")
    func track() async throws {
        let f = try WebFixture()
        try await f.app(limiter: RateLimiter(capacity: 3, perMinute: 1)).test(.live) { client in
            let found = try await client.execute(uri: "/api/v1/track/\(f.order.publicToken)", method: .get)
            #expect(found.status == .ok && String(buffer: found.body).contains("粤B·***45"))
            #expect(try await client.execute(uri: "/api/v1/track/WO-1", method: .get).status == .notFound, "the ticket code is not the token")
            #expect(try await client.execute(uri: "/api/v1/track/guess", method: .get).status == .notFound)
            let limited = try await client.execute(uri: "/api/v1/track/\(f.order.publicToken)", method: .get)
            #expect(limited.status == .tooManyRequests)
        }
    }

    @Test("the bay page moves a job; an illegal move is 409 with the reason; a repeated id is applied once")
    func transitions() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let t1 = try await signIn(client, as: .technician)
            let illegal = try await client.execute(uri: "/api/v1/jobs/WO-1/transitions", method: .post, headers: t1.json,
                                                   body: try body(TransitionRequest(to: .ready)))
            #expect(illegal.status == .conflict)
            #expect((try json(illegal)["error"] as? [String: Any])?["message"] as? String == WorkshopError.illegalTransition(from: .checkedIn, to: .ready).description)
            let id = UUID()
            for _ in 0..<2 {
                let moved = try await client.execute(uri: "/api/v1/jobs/WO-1/transitions", method: .post, headers: t1.json,
                                                     body: try body(TransitionRequest(to: .diagnosing, id: id)))
                #expect(moved.status == .ok && !String(buffer: moved.body).contains("13800138000"))
            }
            #expect(try f.database.workshop.transitions(of: "WO-1").count == 2)
            #expect(try f.database.workshop.transitions(of: "WO-1").last?.actor == "T1", "the signed-in technician is the actor")
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/advance", method: .post, headers: t1.json).status == .ok)
            let bay = try json(try await client.execute(uri: "/api/v1/bays/BAY-1", method: .get, headers: t1.read))
            #expect((bay["job"] as? [String: Any])?["state"] as? String == "repairing")
            #expect(try await client.execute(uri: "/api/v1/jobs/NOPE/advance", method: .post, headers: t1.json).status == .notFound)
        }
    }

    @Test("clocking on, calling for parts, and the counter seeing the request")
    func clockAndParts() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let t1 = try await signIn(client, as: .technician), c1 = try await signIn(client, as: .clerk)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/clock", method: .post, headers: t1.json,
                                             body: try body(ClockRequest(badge: "T1", pin: "1111", on: true))).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/clock", method: .post, headers: t1.json,
                                             body: try body(ClockRequest(badge: "T1", pin: nil, on: true))).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/clock", method: .post, headers: t1.json,
                                             body: try body(ClockRequest(badge: "T1", pin: "2468", on: true))).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/clock", method: .post, headers: t1.json,
                                             body: try body(ClockRequest(badge: "T9", pin: "2468", on: true))).status == .forbidden,
                    "an unknown badge is answered like a wrong PIN")
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/parts-requests", method: .post, headers: t1.json,
                                             body: try body(PartsRequestBody(parts: [RequestedPart(partNumber: "P1", quantity: 2)]))).status == .created)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/parts-requests", method: .post, headers: t1.json,
                                             body: try body(PartsRequestBody(parts: []))).status == .badRequest)
            let counter = String(buffer: try await client.execute(uri: "/api/v1/counter", method: .get, headers: c1.read).body)
            #expect(counter.contains("\"ticketCode\":\"WO-1\"") && counter.contains("\"bay\":\"BAY-1\""))
            let bay = String(buffer: try await client.execute(uri: "/api/v1/bays/BAY-1", method: .get, headers: t1.read).body)
            #expect(bay.contains("T1 王师傅"))
        }
    }

    @Test("/metrics counts scans by result and movements by kind, and reads the floor's gauges at each scrape")
    func metrics() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let c1 = try await signIn(client, as: .clerk)
            for text in ["KD:CMD:RECEIVE", "KD:CMD:QTY:3", "6901234567892", "NOT-A-PART"] {
                _ = try await client.execute(uri: "/api/v1/scans", method: .post, headers: c1.json,
                                             body: try body(ScanRequest(text: text, id: nil)))
            }
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            #expect(text.contains(#"kioskd_scans_total{result="accepted"} 3"#), "\(text)")
            #expect(text.contains(#"kioskd_scans_total{result="rejected"} 1"#))
            #expect(text.contains(#"kioskd_movements_total{kind="receive"} 1"#))
            #expect(text.contains("kioskd_jobs_open 1"))
            #expect(text.contains("kioskd_faults 0"))
        }
    }

    @Test("a scan from the counter page moves stock; stock lookup finds it by barcode")
    func scans() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let c1 = try await signIn(client, as: .clerk)
            for text in ["KD:CMD:RECEIVE", "KD:CMD:QTY:3", "6901234567892"] {
                let r = try await client.execute(uri: "/api/v1/scans", method: .post, headers: c1.json,
                                                 body: try body(ScanRequest(text: text)))
                #expect((try json(r))["accepted"] as? Bool == true)
            }
            let stock = String(buffer: try await client.execute(uri: "/api/v1/stock?q=6901234567892", method: .get, headers: c1.read).body)
            #expect(stock.contains("\"onHand\":3"))
        }
    }

    @Test("health says ok or degraded to anyone and names faults to staff only; the OpenAPI document describes every API route")
    func healthAndOpenAPI() async throws {
        let f = try WebFixture()
        f.health.set("gpio:gpiochip0", .degraded("GPIO chip gpiochip0 not found"))
        try await f.app().test(.live) { client in
            let anyone = try json(try await client.execute(uri: "/healthz", method: .get))
            #expect(anyone.keys.sorted() == ["status"] && anyone["status"] as? String == "degraded")
            let staff = try await signIn(client, as: .clerk)
            let health = try json(try await client.execute(uri: "/healthz", method: .get, headers: staff.read))
            #expect(health["status"] as? String == "degraded")
            #expect((health["faults"] as? [String: String])?["gpio:gpiochip0"] == "GPIO chip gpiochip0 not found")
            let doc = try json(try await client.execute(uri: "/api/v1/openapi.json", method: .get))
            let paths = Set((doc["paths"] as? [String: Any])?.keys.map { $0 } ?? [])
            let documented = Set(AccessPolicy.rules.filter { !$0.isPage && !["/metrics", "/api/v1/openapi.json"].contains($0.path) }.map(\.path))
            #expect(paths.isSuperset(of: documented), "undocumented: \(documented.subtracting(paths))")
            let scans = ((doc["paths"] as? [String: Any])?["/api/v1/scans"] as? [String: Any])?["post"] as? [String: Any]
            #expect(scans?["x-kioskd-roles"] as? String == "clerk, manager, admin")
            #expect((scans?["responses"] as? [String: Any])?.keys.contains("403") == true)
            let wrongMethod = try await client.execute(uri: "/api/v1/lobby", method: .post)
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers[.allow] == "GET")
            let manager = try await signIn(client, as: .manager)
            for page in ["/", "/counter", "/lobby", "/bay/BAY-1", "/track/x"] {
                let r = try await client.execute(uri: page, method: .get, headers: manager.read)
                #expect(r.status == .ok && String(buffer: r.body).contains("<!doctype html>"), "\(page)")
                #expect(!String(buffer: r.body).contains("http://") && !String(buffer: r.body).contains("https://"), "\(page) loads nothing from the internet")
            }
        }
    }

    @Test("the counter queues bin labels and a ticket reprint for the daemon's printers; bad requests are refused and queue nothing")
    func printRequests() async throws {
        let f = try WebFixture()
        try f.database.catalog.save(Bin(code: "A-02"))
        let printing = PrintingSetup(printers: ["zebra", "receipt"], labelPrinter: "zebra", ticketPrinter: "receipt")
        try await f.app(printing: printing).test(.live) { client in
            let c1 = try await signIn(client, as: .clerk)
            let bins = try await client.execute(uri: "/api/v1/print-jobs", method: .post, headers: c1.json,
                                                body: try body(PrintRequest(kind: .bins, from: "A-01", to: "A-02")))
            #expect(bins.status == .accepted)
            #expect(try json(bins)["subjects"] as? [String] == ["A-01", "A-02"] && json(bins)["printer"] as? String == "zebra")
            let ticket = try await client.execute(uri: "/api/v1/print-jobs", method: .post, headers: c1.json,
                                                  body: try body(PrintRequest(kind: .ticket, subjects: ["WO-1"])))
            #expect(try json(ticket)["printer"] as? String == "receipt")
            for (request, status) in [(PrintRequest(kind: .bins, from: "Z-01", to: "Z-09"), HTTPResponse.Status.badRequest),
                                      (PrintRequest(kind: .ticket, subjects: ["NOPE"]), .notFound),
                                      (PrintRequest(kind: .commands, printer: "laser"), .badRequest),
                                      (PrintRequest(kind: .parts, subjects: []), .badRequest),
                                      // A line break in a subject would start a line of its own in the log.
                                      (PrintRequest(kind: .bins, subjects: ["A-01\n2026-12-08T00:18:19+0000 critical kioskd: forged"]), .badRequest),
                                      (PrintRequest(kind: .parts, subjects: ["P1\u{1b}[2J"]), .badRequest),
                                      (PrintRequest(kind: .parts, subjects: [String(repeating: "P", count: 65)]), .badRequest),
                                      // A badge identifies its holder at a scanner: a clerk does not print the manager's.
                                      (PrintRequest(kind: .badges, subjects: ["MG"]), .forbidden)] {
                #expect(try await client.execute(uri: "/api/v1/print-jobs", method: .post, headers: c1.json, body: try body(request)).status == status)
            }
            let manager = try await signIn(client, as: .manager)
            #expect(try await client.execute(uri: "/api/v1/print-jobs", method: .post, headers: manager.json,
                                             body: try body(PrintRequest(kind: .badges, subjects: ["C1"]))).status == .accepted)
            #expect(try f.database.printQueue.waiting().map(\.kind) == [.bins, .ticket, .badges])
            let list = String(buffer: try await client.execute(uri: "/api/v1/print-jobs", method: .get, headers: c1.read).body)
            #expect(list.contains("\"state\":\"waiting\""))
        }
        try await f.app().test(.live) { client in
            let c1 = try await signIn(client, as: .clerk)
            #expect(try await client.execute(uri: "/api/v1/print-jobs", method: .post, headers: c1.json,
                                             body: try body(PrintRequest(kind: .commands))).status == .conflict, "no printer on this device")
        }
    }

}
