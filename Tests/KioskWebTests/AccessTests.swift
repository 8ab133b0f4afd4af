import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskCore
import Testing
@testable import KioskWeb

/// A route's path with its parameters filled in for the fixture's bay, job and people.
func concrete(_ path: String, token: String) -> String {
    path.replacingOccurrences(of: "{bay}", with: "BAY-1").replacingOccurrences(of: "{ticket}", with: "WO-1")
        .replacingOccurrences(of: "{token}", with: token).replacingOccurrences(of: "{badge}", with: "T1")
        .replacingOccurrences(of: "{number}", with: "PO-1")
        + (path == "/api/v1/customers/orders" ? "?phone=13800138000" : "")
}

@Suite("Roles, sessions and CSRF on every route")
struct AccessTests {
    @Test("every route of the router is declared in the access policy, and each staff route refuses the roles it does not name")
    func everyRouteRefusesWhatItMust() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            var sessions: [StaffRole: SignedIn] = [:]
            for role in StaffRole.allCases { sessions[role] = try await signIn(client, as: role) }
            var refusals = 0
            for rule in AccessPolicy.rules {
                let uri = concrete(rule.path, token: f.order.publicToken)
                let method = HTTPRequest.Method(rule.method.rawValue)!
                let payload = rule.changesState ? ByteBuffer(string: "{}") : nil
                if case .device = rule.access {
                    // Only a device's bearer token opens it: no token, a staff session or a made-up token is 401.
                    for headers: HTTPFields in [[.contentType: "application/json"], sessions[.admin]!.json,
                                                [.contentType: "application/json", .authorization: "Bearer made-up"]] {
                        let r = try await client.execute(uri: uri, method: method, headers: headers, body: payload)
                        #expect(r.status == .unauthorized, "\(rule.method) \(rule.path) with \(headers)")
                        refusals += 1
                    }
                    continue
                }
                guard case .staff(let allowed) = rule.access else {
                    // The change feed streams for ever: its test is the change-watcher one.
                    if rule.path == "/api/v1/events" { continue }
                    let r = try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: payload)
                    #expect(r.status != .unauthorized && r.status != .forbidden, "\(rule.method) \(rule.path) is public")
                    continue
                }
                // No session: 401, or the sign-in page.
                let anonymous = try await client.execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: payload)
                #expect(anonymous.status == .unauthorized, "\(rule.method) \(rule.path) without a session")
                if rule.isPage { #expect(String(buffer: anonymous.body).contains("id=\"signin\"")) }
                refusals += 1
                for role in StaffRole.allCases where !allowed.contains(role) {
                    let r = try await client.execute(uri: uri, method: method, headers: sessions[role]!.json, body: payload)
                    #expect(r.status == .forbidden, "\(rule.method) \(rule.path) as \(role)")
                    refusals += 1
                }
                guard rule.path != "/api/v1/session" else { continue }
                let role = StaffRole.allCases.first(where: allowed.contains)!
                let admitted = try await client.execute(uri: uri, method: method, headers: sessions[role]!.json, body: payload)
                #expect(admitted.status != .unauthorized && admitted.status != .forbidden, "\(rule.method) \(rule.path) as \(role): \(admitted.status)")
                if rule.changesState {
                    // The cookie alone (what a forged cross-site request carries) is not enough.
                    var forged = sessions[role]!.json
                    forged[.csrfToken] = nil
                    #expect(try await client.execute(uri: uri, method: method, headers: forged, body: payload).status == .forbidden,
                            "\(rule.method) \(rule.path) without the CSRF token")
                    forged[.csrfToken] = sessions[role == .admin ? .manager : .admin]!.csrf
                    #expect(try await client.execute(uri: uri, method: method, headers: forged, body: payload).status == .forbidden,
                            "\(rule.method) \(rule.path) with another session's CSRF token")
                    var crossSite = sessions[role]!.json
                    crossSite[.origin] = "http://evil.example"
                    #expect(try await client.execute(uri: uri, method: method, headers: crossSite, body: payload).status == .forbidden,
                            "\(rule.method) \(rule.path) from another origin")
                    refusals += 3
                }
            }
            let expected = AccessPolicy.rules.reduce(0) { sum, rule in
                if case .device = rule.access { return sum + 3 }
                guard case .staff(let allowed) = rule.access else { return sum }
                return sum + 1 + (StaffRole.allCases.count - allowed.count) + (rule.changesState && rule.path != "/api/v1/session" ? 3 : 0)
            }
            #expect(refusals == expected && expected > 50, "\(refusals) refusals checked")
        }
    }

    @Test("signing in checks the PIN with the lockout, is audited, and signing out ends the session")
    func signInAndOut() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let wrong = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                 body: try body(SignInRequest(badge: "C1", pin: "0000")))
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let unknown = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                   body: try body(SignInRequest(badge: "NOBODY", pin: "0000")))
            #expect(unknown.status == .unauthorized)
            let c1 = try await signIn(client, as: .clerk)
            let cookie = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                  body: try body(SignInRequest(badge: "C1", pin: "1357"))).headers[.setCookie] ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            let me = try json(try await client.execute(uri: "/api/v1/session", method: .get, headers: c1.read))
            #expect(me["badge"] as? String == "C1" && me["role"] as? String == "clerk")
            #expect(try f.database.audit.entries().contains { $0.action == .signedIn && $0.actor == "C1" })
            let out = try await client.execute(uri: "/api/v1/session", method: .delete, headers: c1.json)
            #expect(out.status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/counter", method: .get, headers: c1.read).status == .unauthorized)
            #expect(try f.database.audit.entries().contains { $0.action == .signedOut && $0.actor == "C1" })
            // Five wrong PINs lock the badge: signing in then answers 429 even with the right PIN.
            for _ in 0..<PINLockout.maxFailures {
                _ = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                             body: try body(SignInRequest(badge: "M1", pin: "0000")))
            }
            let locked = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                  body: try body(SignInRequest(badge: "M1", pin: "9753")))
            #expect(locked.status == .tooManyRequests)
        }
    }

    @Test("a role given by the admin applies at once (the person's sessions end: they sign in again with it), is audited, and the last admin stays")
    func roleChanges() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let t1 = try await signIn(client, as: .technician), admin = try await signIn(client, as: .admin)
            #expect(try await client.execute(uri: "/api/v1/counter", method: .get, headers: t1.read).status == .forbidden)
            let changed = try await client.execute(uri: "/api/v1/staff/T1/role", method: .post, headers: admin.json,
                                                   body: try body(RoleRequest(role: "clerk")))
            #expect(changed.status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/counter", method: .get, headers: t1.read).status == .unauthorized,
                    "a role change ends the person's sessions")
            #expect(try f.database.audit.entries().contains { $0.action == .roleChanged && $0.actor == "AD" && $0.detail.contains("technician → clerk") })
            #expect(try f.database.audit.entries().last?.action == .sessionsEnded)
            let again = try await signIn(client, as: .technician)
            #expect(try await client.execute(uri: "/api/v1/counter", method: .get, headers: again.read).status == .ok, "signed in again: the new role")
            let bad = try await client.execute(uri: "/api/v1/staff/T1/role", method: .post, headers: admin.json, body: try body(RoleRequest(role: "boss")))
            #expect(bad.status == .badRequest)
            let last = try await client.execute(uri: "/api/v1/staff/AD/role", method: .post, headers: admin.json, body: try body(RoleRequest(role: "clerk")))
            #expect(last.status == .conflict)
            #expect(try f.database.access.staff().first { $0.badge == "AD" }?.role == .admin)
        }
    }

    @Test("a new PIN ends the person's sessions; the manager sees PIN locks and lifts them")
    func pinChangeAndUnlock() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let t1 = try await signIn(client, as: .technician), manager = try await signIn(client, as: .manager)
            try f.database.workshop.setPIN(badge: "T1", pin: "8642", actor: "admin-test")
            #expect(try await client.execute(uri: "/api/v1/session", method: .get, headers: t1.read).status == .unauthorized)
            for _ in 1...PINLockout.maxFailures {
                _ = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                             body: try body(SignInRequest(badge: "T1", pin: "0000")))
            }
            let staff = try json(try await client.execute(uri: "/api/v1/staff", method: .get, headers: manager.read))
            let t1Row = (staff["staff"] as? [[String: Any]])?.first { $0["badge"] as? String == "T1" }
            #expect(t1Row?["lockouts"] as? Int == 1 && t1Row?["lockedUntil"] is String)
            let noCSRF = try await client.execute(uri: "/api/v1/staff/T1/unlock", method: .post, headers: manager.read).status
            #expect(noCSRF == .forbidden,
                    "a change needs the CSRF token: \(noCSRF)")
            #expect(try await client.execute(uri: "/api/v1/staff/T1/unlock", method: .post, headers: manager.json).status == .noContent)
            let signedIn = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                                    body: try body(SignInRequest(badge: "T1", pin: "8642")))
            #expect(signedIn.status == .created)
        }
    }

    @Test("a change sent as a form or plain text is refused before it is read (415); so is Origin: null")
    func contentTypeAndNullOrigin() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let text = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "text/plain"],
                                                body: try body(SignInRequest(badge: "T1", pin: "2468")))
            #expect(text.status == .unsupportedMediaType)
            let admin = try await signIn(client, as: .admin)
            var headers = admin.json
            headers[.origin] = "null"
            let nullOrigin = try await client.execute(uri: "/api/v1/staff/T1/role", method: .post, headers: headers,
                                                      body: try body(RoleRequest(role: "clerk")))
            #expect(nullOrigin.status == .forbidden)
            #expect(try f.database.access.staff().first { $0.badge == "T1" }?.role == .technician)
        }
    }

    @Test("only the service desk hands a job over; only it sees the customer's phone and VIN")
    func customerDataAndClosingJobs() async throws {
        let f = try WebFixture()
        try f.database.workshop.transition("WO-1", to: .diagnosing, actor: "t")
        try f.database.workshop.transition("WO-1", to: .repairing, actor: "t")
        try f.database.workshop.transition("WO-1", to: .qualityCheck, actor: "t")
        try f.database.workshop.transition("WO-1", to: .ready, actor: "t")
        try await f.app().test(.live) { client in
            let t1 = try await signIn(client, as: .technician), advisor = try await signIn(client, as: .serviceAdvisor)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/advance", method: .post, headers: t1.json).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/transitions", method: .post, headers: t1.json,
                                             body: try body(TransitionRequest(to: .delivered))).status == .forbidden)
            #expect(try f.database.workshop.order("WO-1")?.state == .ready)
            let bay = String(buffer: try await client.execute(uri: "/api/v1/bays/BAY-1", method: .get, headers: t1.read).body)
            #expect(!bay.contains("13800138000") && !bay.contains("LSVAU2180N2183294"))
            #expect(try await client.execute(uri: "/api/v1/customers/orders?phone=13800138000", method: .get, headers: t1.read).status == .forbidden)
            let found = String(buffer: try await client.execute(uri: "/api/v1/customers/orders?phone=138%200013%208000", method: .get, headers: advisor.read).body)
            #expect(found.contains("LSVAU2180N2183294") && found.contains("\"ticketCode\":\"WO-1\""))
            #expect(try await client.execute(uri: "/api/v1/jobs/WO-1/advance", method: .post, headers: advisor.json).status == .ok)
            #expect(try f.database.workshop.order("WO-1")?.state == .delivered)
        }
    }

    @Test("a staff page answers the sign-in form, a refusal for the wrong role, and carries the CSRF token when allowed")
    func pages() async throws {
        let f = try WebFixture()
        try await f.app().test(.live) { client in
            let signInPage = try await client.execute(uri: "/counter", method: .get)
            #expect(signInPage.status == .unauthorized && String(buffer: signInPage.body).contains("员工登录"))
            let t1 = try await signIn(client, as: .technician), c1 = try await signIn(client, as: .clerk)
            let refused = try await client.execute(uri: "/counter", method: .get, headers: t1.read)
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("id=\"refusal\""))
            let page = String(buffer: try await client.execute(uri: "/counter", method: .get, headers: c1.read).body)
            #expect(page.contains("<meta name=\"csrf-token\" content=\"\(c1.csrf)\">") && page.contains("李配件"))
            #expect(try await client.execute(uri: "/lobby", method: .get).status == .ok, "the lobby is public")
        }
    }
}
