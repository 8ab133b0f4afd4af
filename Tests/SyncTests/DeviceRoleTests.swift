import Foundation
import GRDB
import KioskCore
import Testing

/// A hub with staff of every role, WO-1 checked in, and devices enrolled with their roles.
private func hubWithDevices() throws -> (hub: KioskDatabase, folders: [URL]) {
    let (hub, dir) = try syncStore("roles-hub")
    for (badge, role) in [("T1", StaffRole.technician), ("SA", .serviceAdvisor), ("C1", .clerk), ("MG", .manager)] {
        try hub.workshop.save(Technician(badge: badge, name: badge))
        try hub.workshop.setPIN(badge: badge, pin: "2468", actor: "admin-test")
        if role != .technician { try hub.access.setRole(badge: badge, to: role, actor: "t") }
    }
    _ = try hub.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000"), actor: "SA")
    for (device, role) in [("counter-1", DeviceRole.counter), ("bay-1", .bay), ("desk-1", .desk), ("lobby-1", .lobby)] {
        _ = try hub.hub.enrol(deviceID: device, code: try hub.hub.enrolmentCode(for: device, role: role, bay: role == .bay ? "BAY-1" : nil, actor: "t"))
    }
    return (hub, [dir])
}

/// Forgets what the device's outbox holds (as if sent): its next changes are the next push.
private func forgetPending(_ db: KioskDatabase) throws {
    try db.pool.write { try $0.execute(sql: "DELETE FROM sync_outbox") }
}

/// A device store holding WO-1 as the hub does, whose next changes go to its outbox.
private func deviceStore(_ name: String) throws -> (KioskDatabase, URL) {
    let (device, dir) = try syncStore(name)
    _ = try device.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000"), actor: "SA")
    try outboxFromNow(device)
    return (device, dir)
}

@Suite("Sync: a device speaks only for itself, and gets only what its role needs (issue 20)")
struct DeviceRoleTests {
    @Test("a job closed by a counter or a bay, a move by an unknown actor, a movement naming another device, a lobby's stock: refused; the desk's move applies")
    func pushesAreBoundToTheDevice() throws {
        let (hub, folders) = try hubWithDevices()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        func push(_ device: String, _ change: (KioskDatabase) throws -> Void) throws -> PushResponse {
            let (store, dir) = try deviceStore("roles-\(device)")
            defer { try? FileManager.default.removeItem(at: dir) }
            try change(store)
            return try hub.hub.accept(PushRequest(deviceID: device, events: try store.outbox.pending()), from: device)
        }
        let cancel = { (db: KioskDatabase) in _ = try db.workshop.transition("WO-1", to: .cancelled, actor: "SA", reason: "客户取消") }
        let byCounter = try push("counter-1", cancel)
        #expect(byCounter.rejected.first?.hubState == .checkedIn && byCounter.rejected.first?.reason.contains("may not send job.transition") == true)
        let byBay = try push("bay-1", cancel)
        #expect(byBay.rejected.first?.reason.contains("service desk") == true, "\(byBay.rejected)")
        let unknownActor = try push("bay-1") { _ = try $0.workshop.transition("WO-1", to: .diagnosing, actor: "X9") }
        #expect(unknownActor.rejected.first?.reason.contains("X9") == true)
        let clerkCloses = try push("desk-1") { _ = try $0.workshop.transition("WO-1", to: .cancelled, actor: "C1", reason: "x") }
        #expect(clerkCloses.rejected.first?.reason.contains("C1 may not deliver or cancel") == true)
        #expect(try hub.workshop.order("WO-1")?.state == .checkedIn)

        _ = try push("counter-1") { _ = try $0.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 5, toBin: "A-01", deviceID: "desk-1", actor: "C1")) }
        _ = try push("lobby-1") { _ = try $0.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 7, toBin: "A-01", deviceID: "lobby-1", actor: "C1")) }
        #expect(try hub.stock.movements().isEmpty, "neither a movement in another device's name nor a lobby's stock is applied")
        let outcomes = try hub.pool.read { try String.fetchAll($0, sql: "SELECT outcome FROM hub_event ORDER BY hubSeq") }
        #expect(outcomes.allSatisfy { $0.hasPrefix("rejected: ") || $0.hasPrefix("not applied: refused: ") }, "\(outcomes)")

        _ = try push("counter-1") { _ = try $0.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 2, toBin: "A-01", deviceID: "counter-1", actor: "C1")) }
        let unproven = try push("desk-1") { _ = try $0.workshop.transition("WO-1", to: .diagnosing, actor: "T1") }
        #expect(unproven.rejected.first?.reason.contains("no proof") == true, "T1 named, but never signed in there")
        #expect(try hub.workshop.order("WO-1")?.state == .checkedIn)
        #expect(try hub.stock.movements().map(\.deviceID) == ["counter-1"])
    }

    @Test("forged pushes change nothing: a receipt of Int.max, a movement event carrying nothing or a job move, a movement under another id")
    func forgedPushesAreRefused() throws {
        let (hub, folders) = try hubWithDevices()
        let (counter, dir) = try deviceStore("roles-forger")
        defer { for d in folders + [dir] { try? FileManager.default.removeItem(at: d) } }
        _ = try counter.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 5, toBin: "A-01", deviceID: "counter-1", actor: "C1"))
        _ = try counter.stock.record(MovementDraft(kind: .receive, partNumber: "P1", quantity: 1, toBin: "A-01", deviceID: "counter-1", actor: "C1"))
        _ = try counter.workshop.transition("WO-1", to: .diagnosing, actor: "T1")
        let real = try counter.outbox.pending()
        try #require(real.count == 3)
        #expect(try hub.hub.accept(PushRequest(deviceID: "counter-1", events: [real[0]]), from: "counter-1").stored == 1)
        #expect(try hub.pool.read { try StockLedger.onHand(of: "P1", in: $0) } == 5)

        func forged(_ seq: Int64, _ change: (inout SyncEvent) -> Void) -> SyncEvent {
            var event = real[1]
            event.seq = seq
            event.id = UUID()
            event.movement?.key = event.id
            change(&event)
            return event
        }
        let events = [
            forged(10) { $0.movement?.quantity = Int.max },                       // would overflow the balance
            forged(11) { $0.movement?.quantity = MovementDraft.maximumQuantity + 1 },
            forged(12) { $0.movement = nil },                                       // "applied", carrying nothing
            forged(13) { $0.movement = nil; $0.transition = real[2].transition },  // a job move through the counter's stock kind
            forged(14) { $0.movement?.key = UUID() },                               // a movement under another id
        ]
        let answer = try hub.hub.accept(PushRequest(deviceID: "counter-1", events: events), from: "counter-1")
        #expect(answer.stored == 5 && answer.ackedSeq == 14, "each is kept once with its refusal, and acknowledged")
        let outcomes = try hub.pool.read { try String.fetchAll($0, sql: "SELECT outcome FROM hub_event WHERE deviceSeq >= 10 ORDER BY deviceSeq") }
        #expect(outcomes.count == 5 && outcomes.allSatisfy { $0.hasPrefix("not applied: ") }, "\(outcomes)")
        #expect(outcomes[0].contains("invalid quantity \(Int.max)") && outcomes[1].contains("from 1 to 1000000"), "\(outcomes)")
        #expect(outcomes[2].contains("carries nothing") && outcomes[3].contains("carries job.transition"), "\(outcomes)")
        #expect(outcomes[4].contains("under its own key"), "\(outcomes)")
        #expect(try hub.pool.read { try StockLedger.onHand(of: "P1", in: $0) } == 5 && hub.workshop.order("WO-1")?.state == .checkedIn)
        #expect(try hub.stock.checkBalances().isEmpty)
        // The real movement still applies after them.
        #expect(try hub.hub.accept(PushRequest(deviceID: "counter-1", events: [real[1]]), from: "counter-1").stored == 1)
        #expect(try hub.pool.read { try StockLedger.onHand(of: "P1", in: $0) } == 6)
    }

    @Test("a bay device's buttons move only the job at its own bay, one step on the main path, never past a customer's quote, never to another bay")
    func bayButtonsMoveOnlyTheirOwnBaysJob() throws {
        let (hub, folders) = try hubWithDevices()
        let (bay, dir) = try deviceStore("roles-bay-buttons")
        defer { for d in folders + [dir] { try? FileManager.default.removeItem(at: d) } }
        for store in [hub, bay] {
            for (ticket, at) in [("WO-7", "BAY-1"), ("WO-8", "BAY-2")] {
                _ = try store.workshop.open(WorkOrderDraft(ticketCode: ticket, plate: "粤B7777\(ticket.suffix(1))", vin: "LSVAU2180N2183294",
                                                          customerPhone: "13800138000", bay: at), actor: "SA")
            }
        }
        try forgetPending(bay)
        func push(_ events: [SyncEvent]) throws -> PushResponse {
            try hub.hub.accept(PushRequest(deviceID: "bay-1", events: events), from: "bay-1")
        }
        // BAY-2's button, pressed on a board that says it is BAY-2: bay-1 serves BAY-1.
        _ = try bay.workshop.press("advance", kind: .short, bay: "BAY-2")
        let otherBay = try push(try bay.outbox.pending())
        #expect(otherBay.rejected.first?.reason.contains("serves BAY-1") == true, "\(otherBay.rejected)")
        #expect(try hub.workshop.order("WO-8")?.state == .checkedIn)
        // Its own bay's button: one step, applied.
        try forgetPending(bay)
        _ = try bay.workshop.press("advance", kind: .short, bay: "BAY-1")
        let own = try bay.outbox.pending()
        #expect(try push(own).rejected.isEmpty)
        #expect(try hub.workshop.order("WO-7")?.state == .diagnosing)
        // The same move made up, each passing the job's own state machine: for the job at
        // BAY-2 under BAY-1's own name, sending BAY-1's job to another bay, and to a state that
        // is not the button's next. Each refused with its reason; the jobs stay where they were.
        func made(_ ticket: String, _ from: JobState, _ to: JobState, bay: String? = nil) -> SyncEvent {
            var event = own[0]
            event.id = UUID()
            event.transition?.id = event.id
            event.transition?.ticketCode = ticket
            event.transition?.fromState = from
            event.transition?.toState = to
            event.transition?.bay = bay
            return event
        }
        for (event, reason) in [(made("WO-8", .checkedIn, .diagnosing), "WO-8 is not at BAY-1"),
                                (made("WO-7", .diagnosing, .repairing, bay: "BAY-7"), "serves BAY-1"),
                                (made("WO-7", .diagnosing, .waitingParts), "next state only"),
                                (made("WO-7", .diagnosing, .waitingApproval), "next state only")] {
            let answer = try push([event])
            #expect(answer.rejected.first?.reason.contains(reason) == true, "\(reason): \(answer.rejected.map(\.reason))")
        }
        #expect(try hub.workshop.order("WO-7")?.state == .diagnosing && hub.workshop.order("WO-7")?.bay == "BAY-1")
        #expect(try hub.workshop.order("WO-8")?.state == .checkedIn)
        // A job waiting for the customer's answer to a quote: the bay's button refuses it, on the
        // board and at the hub.
        try hub.pool.write { try $0.execute(sql: "UPDATE work_order SET state = 'waitingApproval' WHERE ticketCode = 'WO-7'") }
        try bay.pool.write { try $0.execute(sql: "UPDATE work_order SET state = 'waitingApproval' WHERE ticketCode = 'WO-7'") }
        #expect(try bay.workshop.press("advance", kind: .short, bay: "BAY-1").effect == .refused)
        var skip = own[0]
        skip.id = UUID()
        skip.transition?.id = skip.id
        skip.transition?.fromState = .waitingApproval
        skip.transition?.toState = .repairing
        #expect(try push([skip]).rejected.first?.reason.contains("customer's answer") == true)
        #expect(try hub.workshop.order("WO-7")?.state == .waitingApproval)
        // A bay device enrolled before bays were fixed: its buttons' moves wait for it to enrol again.
        try hub.pool.write { try $0.execute(sql: "UPDATE hub_device SET bay = NULL WHERE deviceID = 'bay-1'") }
        var unbound = own[0]
        unbound.id = UUID()
        unbound.transition?.id = unbound.id
        #expect(try push([unbound]).rejected.first?.reason.contains("--role bay --bay BAY-1") == true)
        // The hub fixes the bay when it makes the code: a bay device needs one, no other may have one.
        #expect(throws: HubError.bayRequired("bay-9")) { try hub.hub.enrolmentCode(for: "bay-9", role: .bay, actor: "t") }
        #expect(throws: HubError.bayOnlyForBays("counter-9", role: .counter, bay: "BAY-1")) {
            try hub.hub.enrolmentCode(for: "counter-9", role: .counter, bay: "BAY-1", actor: "t")
        }
    }

    @Test("a job's opening move (no state before it) is → checked in, once, from a device that opens jobs; the lobby opens jobs only from the hub's appointments")
    func openingsAndTheLobby() throws {
        let (hub, folders) = try hubWithDevices()
        let (desk, deskDir) = try syncStore("roles-desk-opens")
        let (lobby, lobbyDir) = try syncStore("roles-lobby-opens")
        defer { for d in folders + [deskDir, lobbyDir] { try? FileManager.default.removeItem(at: d) } }
        // The desk opens a job: the order and its opening move apply.
        try outboxFromNow(desk)
        _ = try desk.workshop.open(WorkOrderDraft(ticketCode: "WO-9", plate: "粤B99999", vin: "LSVAU2180N2183294", customerPhone: "13800138000"), actor: "SA")
        let opened = try desk.outbox.pending()
        #expect(try hub.hub.accept(PushRequest(deviceID: "desk-1", events: opened), from: "desk-1").rejected.isEmpty)
        #expect(try hub.workshop.transitions(of: "WO-9").count == 1)
        // The opening again under a new id, closings with no state before them, and a phone link
        // anyone could guess: refused, and nothing enters WO-1's or WO-9's history.
        let opening = try #require(opened.first { $0.kind == .jobTransition })
        var forged: [(device: String, event: SyncEvent)] = []
        for (device, ticket, to) in [("desk-1", "WO-9", JobState.checkedIn), ("bay-1", "WO-1", .delivered), ("desk-1", "WO-1", .cancelled)] {
            var event = opening
            event.id = UUID()
            event.transition?.id = event.id
            event.transition?.ticketCode = ticket
            event.transition?.toState = to
            event.transition?.actor = "SA"
            forged.append((device, event))
        }
        var guessable = try #require(opened.first { $0.kind == .jobOpened })
        guessable.id = UUID()
        guessable.order?.ticketCode = "WO-10"
        guessable.order?.publicToken = "aaaa"
        forged.append(("desk-1", guessable))
        for (device, event) in forged {
            let answer = try hub.hub.accept(PushRequest(deviceID: device, events: [event]), from: device)
            let outcome = try hub.pool.read { try String.fetchOne($0, sql: "SELECT outcome FROM hub_event WHERE eventID = ?", arguments: [event.id]) }
            #expect(answer.stored == 1 && outcome?.hasPrefix("applied") == false, "\(device) \(event.kind): \(outcome ?? "not stored")")
        }
        #expect(try hub.workshop.transitions(of: "WO-1").map(\.toState) == [.checkedIn])
        #expect(try hub.workshop.transitions(of: "WO-9").count == 1 && hub.workshop.order("WO-10") == nil)

        // The lobby: a work order it opens by itself is refused; one opened from an appointment
        // the hub has takes the hub's appointment's customer and services and a link of the hub's.
        let appointment = Appointment(code: "APT-1", plate: "粤B55555", vin: "LFV2A21K6A3043255", customerPhone: "13900139000",
                                      services: [ServiceItem(code: "MAINT", name: "保养", standardHours: 1)], promisedAt: nil)
        try hub.workshop.save(appointment)
        var lobbyCopy = appointment
        lobbyCopy.customerPhone = "13000000000"           // what a tampered kiosk would send
        try lobby.workshop.save(lobbyCopy)
        try outboxFromNow(lobby)
        _ = try lobby.workshop.open(WorkOrderDraft(ticketCode: "EVIL-1", plate: "粤B<script>", vin: "LSVAU2180N2183294", customerPhone: "13800138000"), actor: "lobby")
        let byItself = try hub.hub.accept(PushRequest(deviceID: "lobby-1", events: try lobby.outbox.pending()), from: "lobby-1")
        #expect(try hub.workshop.order("EVIL-1") == nil, "\(byItself)")
        try forgetPending(lobby)
        let checkedIn = try lobby.workshop.checkIn(appointment: "APT-1", actor: "lobby")
        let fromAppointment = try lobby.outbox.pending()
        #expect(fromAppointment.first { $0.kind == .jobOpened }?.order?.appointment == "APT-1")
        _ = try hub.hub.accept(PushRequest(deviceID: "lobby-1", events: fromAppointment), from: "lobby-1")
        let outcomes = try hub.pool.read { try String.fetchAll($0, sql: "SELECT outcome FROM hub_event WHERE deviceID = 'lobby-1' ORDER BY hubSeq") }
        let atHub = try #require(try hub.workshop.order(checkedIn.ticketCode), "\(outcomes)")
        #expect(atHub.customerPhone == "13900139000" && atHub.plate == "粤B55555" && atHub.services.map(\.code) == ["MAINT"])
        #expect(atHub.publicToken == checkedIn.publicToken, "a link as kioskd makes them stays: the kiosk may have printed it")
        #expect(try hub.pool.read { try String.fetchOne($0, sql: "SELECT ticketCode FROM appointment WHERE code = 'APT-1'") } == checkedIn.ticketCode)
        // The same appointment again, as another job: refused.
        var again = try #require(fromAppointment.first { $0.kind == .jobOpened })
        again.id = UUID()
        again.order?.ticketCode = "WO-AGAIN"
        _ = try hub.hub.accept(PushRequest(deviceID: "lobby-1", events: [again]), from: "lobby-1")
        #expect(try hub.workshop.order("WO-AGAIN") == nil)
        // A kiosk that puts its check-in at a bay, dated far ahead (it would head the bay's
        // queue), with a link of its own: no bay, opened now at the latest, the hub's link.
        // And a kiosk from before `appointment` was sent: its appointment is found by plate and VIN.
        try hub.workshop.save(Appointment(code: "APT-2", plate: "粤B66666", vin: "LSVAU2180N2183294", customerPhone: "13900139001",
                                          services: [], promisedAt: nil))
        var ahead = again
        ahead.id = UUID()
        ahead.order?.ticketCode = "WO-AHEAD"
        ahead.order?.appointment = nil
        ahead.order = try ahead.order.map { try $0.openingCustomer(with: try #require(try hub.hub.grant("lobby-1")?.key)) }
        (ahead.order!.plate, ahead.order!.vin, ahead.order!.bay, ahead.order!.publicToken) = ("粤B66666", "LSVAU2180N2183294", "BAY-1", "aaaa")
        ahead.order!.openedAt = Date(timeIntervalSinceNow: 86_400 * 365 * 70)
        _ = try hub.hub.accept(PushRequest(deviceID: "lobby-1", events: [ahead]), from: "lobby-1")
        let placed = try #require(try hub.workshop.order("WO-AHEAD"))
        #expect(placed.bay == nil && placed.openedAt <= Date() && placed.stateSince <= Date() && placed.publicToken != "aaaa" && placed.customerPhone == "13900139001")
        #expect(try hub.pool.read { try String.fetchOne($0, sql: "SELECT ticketCode FROM appointment WHERE code = 'APT-2'") } == "WO-AHEAD")
    }

    @Test("a PIN changed at the hub ends the sessions signed in on a board with the old one, at its next pull; a pull that changes nothing ends none")
    func boardSessionsEndWithTheHubsPIN() throws {
        let (hub, folders) = try hubWithDevices()
        let (bay, dir) = try deviceStore("roles-bay-pin-change")
        defer { for d in folders + [dir] { try? FileManager.default.removeItem(at: d) } }
        try bay.outbox.setDeviceKey(try #require(try hub.hub.grant("bay-1")?.key))
        try bay.outbox.apply(try hub.hub.changes(after: 0, for: "bay-1"))
        let t1 = try bay.access.signIn(badge: "T1", pin: "2468")
        let sa = try bay.access.signIn(badge: "SA", pin: "2468")
        let before = try hub.hub.changes(after: 0, for: "bay-1").cursor
        // Pulled again with nothing changed: both sessions stand.
        try bay.outbox.apply(try hub.hub.changes(after: 0, for: "bay-1"))
        #expect(try bay.access.session(token: t1.token) != nil && bay.access.session(token: sa.token) != nil)
        try hub.workshop.setPIN(badge: "T1", pin: "9753", actor: "admin-test")
        try bay.outbox.apply(try hub.hub.changes(after: before, for: "bay-1"))
        #expect(try bay.access.session(token: t1.token) == nil, "T1's session on the board ended with the PIN changed at the hub")
        #expect(try bay.access.session(token: sa.token) != nil, "SA's PIN did not change")
        #expect(throws: AccessError.wrongBadgeOrPIN) { try bay.access.signIn(badge: "T1", pin: "2468") }
        _ = try bay.access.signIn(badge: "T1", pin: "9753")
    }

    @Test("a bay pulls T1's verifier, T1 signs in there with the PIN, and the move made in that session is accepted by the hub on its proof")
    func signedInMoveIsProven() throws {
        let (hub, folders) = try hubWithDevices()
        let (bay, dir) = try deviceStore("roles-bay-signed-in")
        defer { for d in folders + [dir] { try? FileManager.default.removeItem(at: d) } }
        try bay.outbox.setDeviceKey(try #require(try hub.hub.grant("bay-1")?.key))
        try bay.outbox.apply(try hub.hub.changes(after: 0, for: "bay-1"))
        #expect(try bay.pool.read { try String.fetchOne($0, sql: "SELECT pinHash FROM technician WHERE badge = 'T1'") }?.hasPrefix("kd-device-v1$") == true)
        #expect(throws: AccessError.wrongBadgeOrPIN) { try bay.access.signIn(badge: "T1", pin: "1111") }
        #expect(throws: AccessError.wrongBadgeOrPIN, "a clerk does not sign in at a bay") { try bay.access.signIn(badge: "C1", pin: "2468") }
        let session = try bay.access.signIn(badge: "T1", pin: "2468")
        try bay.workshop.transition("WO-1", to: .diagnosing, actor: "T1", proofKey: try bay.access.proofKey(token: session.token))
        let answer = try hub.hub.accept(PushRequest(deviceID: "bay-1", events: try bay.outbox.pending()), from: "bay-1")
        #expect(answer.rejected.isEmpty && answer.stored == 1)
        #expect(try hub.workshop.order("WO-1")?.state == .diagnosing)
    }

    @Test("pull: no PIN hash ever; verifiers only for the roles that sign in at the device, valid there only; phone and VIN only to the desk, sealed")
    func pullGivesWhatTheRoleNeeds() throws {
        let (hub, folders) = try hubWithDevices()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        func pulled(_ device: String) throws -> (page: PullResponse, json: String) {
            let page = try hub.hub.changes(after: 0, for: device)
            return (page, String(decoding: try JSONEncoder().encode(page), as: UTF8.self))
        }
        for device in ["counter-1", "bay-1", "desk-1", "lobby-1"] {
            let (page, json) = try pulled(device)
            #expect(!json.contains("pbkdf2") && !json.contains("13800138000") && !json.contains("LSVAU2180N2183294"), "\(device)")
            #expect(page.changes.allSatisfy { $0.technician?.pinHash == nil })
            let token = try #require(try hub.workshop.order("WO-1")?.publicToken)
            #expect(json.contains(token) == (device == "desk-1"), "\(device): the phone link")
        }
        let verified = { (device: String) in
            Set(try pulled(device).page.changes.filter { $0.pinVerifier != nil }.compactMap(\.technician?.badge))
        }
        #expect(try verified("counter-1") == ["C1", "MG"])
        #expect(try verified("bay-1") == ["T1", "SA", "MG"])
        #expect(try verified("desk-1") == ["SA", "MG"])
        #expect(try pulled("lobby-1").page.changes.allSatisfy { $0.technician == nil && $0.part == nil })

        // The counter's verifier checks C1's PIN with the counter's key, and not with the bay's.
        let counterKey = try #require(try hub.hub.grant("counter-1")?.key), bayKey = try #require(try hub.hub.grant("bay-1")?.key)
        let verifier = try #require(try pulled("counter-1").page.changes.first { $0.technician?.badge == "C1" }?.pinVerifier)
        #expect(PINHash.verify("2468", against: verifier, deviceKey: counterKey))
        #expect(!PINHash.verify("2468", against: verifier, deviceKey: bayKey))
        #expect(!PINHash.verify("1111", against: verifier, deviceKey: counterKey))

        // The desk opens the sealed phone and VIN with its key.
        let order = try #require(try pulled("desk-1").page.changes.first { $0.entity == .order }?.order?.opened)
        let deskKey = try #require(try hub.hub.grant("desk-1")?.key)
        #expect(order.customerPhone.isEmpty && order.sealed != nil)
        #expect(try order.openingCustomer(with: deskKey).customerPhone == "13800138000")
        #expect(throws: (any Error).self) { try order.openingCustomer(with: counterKey) }
    }
}

@Suite("Sync: the hub keeps each device's audit head")
struct AuditHeadTests {
    @Test("a device whose audit log later ends before what it reported (entries deleted) raises an alarm at the hub, audited")
    func cutShortIsSeen() throws {
        let (hub, folders) = try hubWithDevices()
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        try hub.hub.noteAuditHead(AuditHead(seq: 40, hash: "aa"), of: "counter-1")
        try hub.hub.noteAuditHead(AuditHead(seq: 42, hash: "bb"), of: "counter-1")
        #expect(try hub.hub.auditAlarm(of: "counter-1") == nil, "a log that grows is fine")
        try hub.hub.noteAuditHead(AuditHead(seq: 39, hash: "cc"), of: "counter-1")
        #expect(try hub.hub.auditAlarm(of: "counter-1")?.contains("entry 39") == true)
        #expect(try hub.audit.entries().last?.action == .deviceAuditCut)
        try hub.hub.noteAuditHead(AuditHead(seq: 7, hash: "dd"), of: "bay-1")
        try hub.hub.noteAuditHead(AuditHead(seq: 7, hash: "ee"), of: "bay-1")
        #expect(try hub.hub.auditAlarm(of: "bay-1")?.contains("bay-1") == true, "the same entry with another hash: rewritten")
    }
}
