import Foundation
import GRDB
import Testing
@testable import KioskCore

@Suite("Job states (pure)")
struct JobStateTests {
    @Test("the main path, waiting states, quality-check failure and cancel")
    func allowedMoves() throws {
        #expect(JobState.checkedIn.allowedNext == [.diagnosing, .cancelled])
        #expect(JobState.qualityCheck.allowedNext.contains(.repairing), "QC fails back to repairing")
        for waiting in [JobState.waitingParts, .waitingApproval] {
            #expect(JobState.diagnosing.allowedNext.contains(waiting) && JobState.repairing.allowedNext.contains(waiting))
        }
        #expect(JobState.delivered.allowedNext.isEmpty && JobState.cancelled.allowedNext.isEmpty)
        var state = JobState.checkedIn
        var path: [JobState] = [state]
        while let next = state.advance { try state.check(to: next, reason: nil); state = next; path.append(next) }
        #expect(path == [.checkedIn, .diagnosing, .repairing, .qualityCheck, .ready, .delivered])
    }

    @Test("every state not allowed is refused with a reason", arguments: JobState.allCases)
    func refusals(from: JobState) {
        for to in JobState.allCases where !from.allowedNext.contains(to) {
            #expect(throws: WorkshopError.illegalTransition(from: from, to: to)) { try from.check(to: to, reason: "x") }
        }
        if from.isOpen { #expect(throws: WorkshopError.cancelReasonRequired) { try from.check(to: .cancelled, reason: " ") } }
    }

    @Test("customer stages hide the internal states")
    func stages() {
        #expect(JobState.waitingParts.customerStage == .enteredWorkshop)
        #expect(JobState.qualityCheck.customerStage == .nearlyDone)
        #expect(JobState.delivered.customerStage == nil)
        #expect(WorkOrder.mask(plate: "粤B12345") == "粤B·***45")
        #expect(WorkOrder.mask(plate: "粤B·D1234") == "粤B·***34")
    }
}

@Suite("Work orders in the store")
struct WorkshopStoreTests {
    let vin = "LSVAU2180N2183294"

    func openJob(_ store: TemporaryStore, at time: Date = Date()) throws -> WorkOrder {
        try store.database.workshop.open(
            WorkOrderDraft(plate: "粤B12345", vin: vin, customerPhone: "13800138000",
                           services: [ServiceItem(code: "OIL", name: "保养", standardHours: 1.0)], bay: "BAY-1"),
            actor: "advisor", at: time)
    }

    @Test("the day's ticket numbers go on from the highest, so a hand-typed ticket is never made again, also after the clock jumps back")
    func ticketNumbers() throws {
        let store = try TemporaryStore()
        let day = Date(timeIntervalSince1970: 1_795_000_000)
        let first = try openJob(store, at: day)
        let prefix = String(first.ticketCode.dropLast(3))
        _ = try store.database.workshop.open(WorkOrderDraft(ticketCode: prefix + "005", plate: "粤B12345", vin: vin, customerPhone: "13800138000"),
                                             actor: "advisor", at: day)
        #expect(try openJob(store, at: day).ticketCode == prefix + "006")
        _ = try openJob(store, at: day.addingTimeInterval(86_400))      // the next day…
        #expect(try openJob(store, at: day).ticketCode == prefix + "007", "…then the clock jumps back a day")
    }

    @Test("opening a work order: a ticket code, an unguessable phone token, checked in")
    func open() throws {
        let store = try TemporaryStore()
        let order = try openJob(store)
        #expect(order.ticketCode.hasPrefix("WO") && order.state == .checkedIn)
        #expect(order.publicToken.count == 26)
        #expect(order.customerID == "13800138000+\(vin)")
        #expect(try openJob(store).ticketCode != order.ticketCode)
        #expect(throws: WorkshopError.self) {
            try store.database.workshop.open(WorkOrderDraft(plate: "粤B1", vin: "SHORT", customerPhone: "1"), actor: "a")
        }
    }

    @Test("transitions are recorded, illegal ones refused, and repeated ids applied once")
    func transitions() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        let ticket = try openJob(store).ticketCode
        #expect(throws: WorkshopError.illegalTransition(from: .checkedIn, to: .ready)) {
            try ws.transition(ticket, to: .ready, actor: "t")
        }
        let id = UUID()
        try ws.transition(ticket, to: .diagnosing, actor: "T1", id: id)
        try ws.transition(ticket, to: .diagnosing, actor: "T1", id: id)
        #expect(try ws.transitions(of: ticket).map(\.toState) == [.checkedIn, .diagnosing])
        try ws.advance(ticket, actor: "T1")
        try ws.advance(ticket, actor: "T1")
        try ws.transition(ticket, to: .repairing, actor: "QC", reason: "质检不合格")
        #expect(try ws.order(ticket)?.state == .repairing)
        #expect(throws: WorkshopError.cancelReasonRequired) { try ws.transition(ticket, to: .cancelled, actor: "a") }
    }

    @Test("waiting parts raises a request at the counter; issuing the parts to the work order clears it")
    func partsRequest() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        _ = try store.database.stock.record(store.draft(.receive, 5, to: "A-01"))
        let ticket = try openJob(store).ticketCode
        try ws.transition(ticket, to: .diagnosing, actor: "T1")
        try ws.transition(ticket, to: .waitingParts, actor: "T1", parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 2)])
        #expect(try ws.openPartsRequests().map(\.ticketCode) == [ticket])
        _ = try store.database.stock.record(store.draft(.issue, 1, from: "A-01", workOrder: ticket))
        #expect(try ws.openPartsRequests().count == 1, "one of two issued")
        _ = try store.database.stock.record(store.draft(.issue, 1, from: "A-01", workOrder: ticket))
        #expect(try ws.openPartsRequests().isEmpty)
        #expect(try ws.events(kind: .partsRequestCleared).count == 1)
    }

    @Test("ready raises a pick-up notice; delivering clocks everyone off")
    func pickup() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        try ws.save(Technician(badge: "T1", name: "王师傅"))
        let ticket = try openJob(store).ticketCode
        try ws.clockOn(badge: "T1", ticket: ticket, bay: "BAY-1")
        for _ in 0..<4 { try ws.advance(ticket, actor: "T1") }
        #expect(try ws.events(kind: .pickupNotice).map(\.ticketCode) == [ticket])
        try ws.advance(ticket, actor: "advisor")
        #expect(throws: WorkshopError.notClockedOn(badge: "T1")) { try ws.clockOff(badge: "T1") }
        #expect(throws: WorkshopError.unknownTechnician("T9")) { try ws.clockOn(badge: "T9", ticket: ticket, bay: nil) }
    }

    @Test("an appointment's QR code opens its work order once")
    func appointment() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        try ws.save(Appointment(code: "APT-77", plate: "粤A99999", vin: vin, customerPhone: "13900000000", services: [], promisedAt: nil))
        let order = try ws.checkIn(appointment: "APT-77", actor: "lobby")
        #expect(order.plate == "粤A99999" && order.state == .checkedIn)
        #expect(throws: WorkshopError.appointmentAlreadyUsed("APT-77", ticket: order.ticketCode)) {
            try ws.checkIn(appointment: "APT-77", actor: "lobby")
        }
        #expect(throws: WorkshopError.unknownAppointment("NOPE")) { try ws.checkIn(appointment: "NOPE", actor: "lobby") }
    }

    @Test("time per state, technician efficiency and bay utilisation from recorded facts")
    func report() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        try ws.save(Technician(badge: "T1", name: "王"))
        try ws.save(Technician(badge: "T2", name: "李"))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let ticket = try openJob(store, at: t0).ticketCode        // standard hours 1.0
        try ws.transition(ticket, to: .diagnosing, actor: "T1", at: t0 + 600)   // 10 min checked in
        try ws.transition(ticket, to: .repairing, actor: "T1", at: t0 + 1800)   // 20 min diagnosing
        try ws.clockOn(badge: "T1", ticket: ticket, bay: "BAY-1", at: t0 + 1800)
        try ws.clockOn(badge: "T2", ticket: ticket, bay: "BAY-1", at: t0 + 3600)
        try ws.transition(ticket, to: .qualityCheck, actor: "T1", at: t0 + 5400)  // 60 min repairing
        try ws.clockOff(badge: "T1", at: t0 + 5400)
        try ws.clockOff(badge: "T2", at: t0 + 5400)
        try ws.transition(ticket, to: .ready, actor: "QC", at: t0 + 6000)
        let history = try ws.history(from: t0, to: t0 + 7200)
        let report = WorkshopReport(history, now: t0 + 7200)
        #expect(report.stateTime[ticket]?[.checkedIn] == 600)
        #expect(report.stateTime[ticket]?[.diagnosing] == 1200)
        #expect(report.stateTime[ticket]?[.repairing] == 3600)
        #expect(report.stateTime[ticket]?[.ready] == 1200)
        let t1 = try #require(report.technicians.first { $0.badge == "T1" })
        let t2 = try #require(report.technicians.first { $0.badge == "T2" })
        #expect(t1.repairingHours == 1.0 && t2.repairingHours == 0.5)
        #expect(abs(t1.standardHours - 2.0 / 3) < 1e-9 && abs(t2.standardHours - 1.0 / 3) < 1e-9)
        #expect(abs((t1.efficiency ?? 0) - 2.0 / 3) < 1e-9)
        #expect(report.bays == [.init(bay: "BAY-1", busySeconds: 1200 + 3600 + 600, windowSeconds: 7200)])
        #expect(report.techniciansCSV.hasPrefix("badge,repairing_hours,standard_hours,efficiency\r\nT1,1.00,0.67,0.67\r\n"))
    }

    @Test("the report's CSV quotes a bay or badge that holds a comma, a quote or a line break (RFC 4180)")
    func reportCSVQuoting() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        let bay = "东区,2号 \"快修\""
        try ws.save(Technician(badge: "T,1", name: "王"))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let ticket = try ws.open(WorkOrderDraft(plate: "粤B12345", vin: vin, customerPhone: "13800138000",
                                                services: [ServiceItem(code: "OIL", name: "保养", standardHours: 1.0)], bay: bay),
                                 actor: "advisor", at: t0).ticketCode
        try ws.transition(ticket, to: .diagnosing, actor: "T,1", at: t0 + 300)
        try ws.transition(ticket, to: .repairing, actor: "T,1", at: t0 + 600)
        try ws.clockOn(badge: "T,1", ticket: ticket, bay: bay, at: t0 + 600)
        try ws.clockOff(badge: "T,1", at: t0 + 4200)
        let report = WorkshopReport(try ws.history(from: t0, to: t0 + 7200), now: t0 + 7200)
        #expect(report.baysCSV.contains("\r\n\"东区,2号 \"\"快修\"\"\",1."), "\(report.baysCSV)")
        #expect(report.techniciansCSV.contains("\r\n\"T,1\",1.00,"), "\(report.techniciansCSV)")
        // Every record has as many fields as the header once quoted fields are read as one.
        for csv in [report.baysCSV, report.techniciansCSV, report.stateTimeCSV] {
            let records = csv.split(separator: "\r\n").map { line in
                line.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                    .map { $0.offset % 2 == 0 ? $0.element.filter { $0 == "," }.count : 0 }.reduce(0, +)
            }
            #expect(Set(records).count == 1, "\(csv)")
        }
        #expect(CSVText.record(["a\r\nb", "plain", "say \"hi\""]) == "\"a\r\nb\",plain,\"say \"\"hi\"\"\"\r\n")
    }

    @Test("after the clock jumps back, state times follow the order of the transitions and never go negative")
    func clockJumpsBack() throws {
        let store = try TemporaryStore()
        let ws = store.database.workshop
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let ticket = try openJob(store, at: t0).ticketCode
        try ws.transition(ticket, to: .diagnosing, actor: "T1", at: t0 + 1200)
        try ws.transition(ticket, to: .repairing, actor: "T1", at: t0 + 600)     // the board's clock jumped back 10 min
        try ws.transition(ticket, to: .qualityCheck, actor: "T1", at: t0 + 2400)
        let report = WorkshopReport(try ws.history(from: t0, to: t0 + 3600), now: t0 + 3600)
        #expect(report.stateTime[ticket]?[.diagnosing] ?? 0 == 0, "the diagnosing span ends before it starts: counted as zero")
        #expect(report.stateTime[ticket]?[.repairing] == 1800, "repairing from 600 to 2400, not mixed up with diagnosing")
        #expect(report.stateTime[ticket]?.values.allSatisfy { $0 >= 0 } == true)
    }
}

@Suite("Badges, PINs and appointments at the scanner")
struct BayScanTests {
    @Test("a badge scanned at a bay clocks the technician on the bay's job, and off again")
    func badgeAtBay() throws {
        let store = try TemporaryStore()
        try store.database.workshop.save(Technician(badge: "T1", name: "王师傅"))
        let order = try store.database.workshop.open(WorkOrderDraft(plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800138000", bay: "BAY-1"), actor: "a")
        let bay = Counter(database: store.database, deviceID: "bay-1", options: .init(bay: "BAY-1"))
        let on = try bay.handle(ScanEvent(source: "hid", text: "KD:TECH:T1"))
        #expect(on.accepted && on.message.contains("clocked on \(order.ticketCode)"))
        let clocks = try store.database.pool.read { try JobClock.fetchAll($0) }
        #expect(clocks.count == 1 && clocks[0].offAt == nil && clocks[0].bay == "BAY-1")
        let off = try bay.handle(ScanEvent(source: "hid", text: "KD:TECH:T1"))
        #expect(off.accepted && off.message.contains("clocked off"))
        let unknown = try bay.handle(ScanEvent(source: "hid", text: "KD:TECH:T9"))
        #expect(!unknown.accepted && unknown.message.contains("unknown technician badge T9"))
        let counter = Counter(database: store.database, deviceID: "counter")
        #expect(try counter.handle(ScanEvent(source: "hid", text: "KD:TECH:T1")).message == "操作员 T1 / badge T1", "at the counter a badge only names the actor")
    }

    @Test("the lobby kiosk checks a customer in by scanning the appointment QR code, once")
    func appointmentScan() throws {
        let store = try TemporaryStore()
        try store.database.workshop.save(Appointment(code: "APT-9", plate: "粤A99999", vin: "LSVAU2180N2183294", customerPhone: "13900000000", services: [], promisedAt: nil))
        let lobby = Counter(database: store.database, deviceID: "lobby")
        let first = try lobby.handle(ScanEvent(source: "camera", text: "KD:APT:APT-9"))
        #expect(first.accepted && first.message.contains("checked in"))
        #expect(try store.database.workshop.openOrders().map(\.plate) == ["粤A99999"])
        let again = try lobby.handle(ScanEvent(source: "camera", text: "KD:APT:APT-9"))
        #expect(!again.accepted && again.message.contains("already opened"))
    }

    @Test("PINs are stored as PBKDF2 hashes and checked")
    func pins() throws {
        let store = try TemporaryStore()
        try store.database.workshop.save(Technician(badge: "T1", name: "王"))
        #expect(try !store.database.workshop.verifyPIN(badge: "T1", pin: "1234"), "no PIN set")
        try store.database.workshop.setPIN(badge: "T1", pin: "1234", actor: "admin-test")
        let stored = try #require(try store.database.pool.read { try Technician.fetchOne($0, key: "T1") }?.pinHash)
        #expect(stored.hasPrefix("pbkdf2-sha256$210000$") && !stored.contains("1234"))
        #expect(try store.database.workshop.verifyPIN(badge: "T1", pin: "1234"))
        #expect(try !store.database.workshop.verifyPIN(badge: "T1", pin: "1235"))
        #expect(throws: WorkshopError.invalidField("PIN", "use 4 to 8 digits")) { try store.database.workshop.setPIN(badge: "T1", pin: "12a", actor: "admin-test") }
    }
}
