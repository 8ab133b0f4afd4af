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
        _ = try hub.hub.enrol(deviceID: device, code: try hub.hub.enrolmentCode(for: device, role: role, actor: "t"))
    }
    return (hub, [dir])
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
