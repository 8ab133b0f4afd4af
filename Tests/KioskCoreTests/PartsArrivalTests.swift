import Foundation
import GRDB
import Testing
@testable import KioskCore

/// The part a bay waits for arrives at the counter: the bay, the lobby and the phone learn it
/// from the job's state, and the clerk from the scan, without anyone walking across.
@Suite("Parts a bay waits for, arriving at the counter")
struct PartsArrivalTests {
    /// WO-1 at BAY-1 waits for one oil filter and two bottles of oil; nothing of either on hand.
    func waitingJob(_ store: TemporaryStore, ticket: String = "WO-1", bay: String = "BAY-1",
                    parts: [RequestedPart] = [RequestedPart(partNumber: "15400-RTA-003", quantity: 1),
                                              RequestedPart(partNumber: "08798-9036", quantity: 2)]) throws {
        let ws = store.database.workshop
        _ = try ws.open(WorkOrderDraft(ticketCode: ticket, plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800000000", bay: bay), actor: "desk")
        try ws.transition(ticket, to: .diagnosing, actor: "T1")
        try ws.transition(ticket, to: .waitingParts, actor: "T1", parts: parts)
    }

    /// WO-1 at BAY-1, then WO-2 at BAY-2, each waiting for one oil filter.
    func twoJobsWaitingForOneFilter() throws -> TemporaryStore {
        let store = try TemporaryStore()
        let filter = [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)]
        try waitingJob(store, ticket: "WO-1", bay: "BAY-1", parts: filter)
        try waitingJob(store, ticket: "WO-2", bay: "BAY-2", parts: filter)
        return store
    }

    @Test("receiving one of two parts moves nothing; receiving the rest marks the request arrived, tells the clerk the bay, and moves the job to repairing; issuing them clears it")
    func arrivalMovesTheJob() throws {
        let store = try TemporaryStore()
        try waitingJob(store)
        let counter = Counter(database: store.database, deviceID: "c")
        let ws = store.database.workshop

        let first = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892").last!
        #expect(first.accepted && !first.message.contains("送往"), "\(first.message)")
        #expect(try ws.order("WO-1")?.state == .waitingParts)
        #expect(try store.database.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") }?.arrivedAt == nil)

        let second = try counter.scan("KD:CMD:QTY:2", "4006381333931").last!
        #expect(second.message.contains("送往 BAY-1（WO-1）") && second.message.contains("the job moves to repairing"), "\(second.message)")
        #expect(try ws.order("WO-1")?.state == .repairing)
        let moved = try #require(try ws.transitions(of: "WO-1").last)
        #expect(moved.fromState == .waitingParts && moved.toState == .repairing && moved.reason?.contains("parts") == true)
        let request = try #require(try store.database.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") })
        #expect(request.arrivedAt != nil && request.clearedAt == nil, "arrived, not yet issued")
        #expect(try store.database.pool.read { try String.fetchAll($0, sql: "SELECT kind FROM workshop_event ORDER BY at, rowid") }
                == ["partsRequested", "partsArrived"])

        let issued = try counter.scan("KD:CMD:ISSUE", "KD:WO:WO-1", "KD:BIN:A-01", "6901234567892", "KD:CMD:QTY:2", "4006381333931")
        let refused = issued.filter { !$0.accepted }.map(\.message)
        #expect(refused.isEmpty, "\(refused)")
        #expect(try store.database.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") }?.clearedAt != nil, "issuing closes the request")
        #expect(try ws.order("WO-1")?.state == .repairing)
    }

    @Test("two jobs wait for the same part: the one that asked first gets the first receipt, the other the next; stock on hand for the first is not counted twice")
    func firstComeFirstServed() throws {
        let store = try twoJobsWaitingForOneFilter()
        let counter = Counter(database: store.database, deviceID: "c")
        let ws = store.database.workshop

        let first = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892").last!
        #expect(first.message.contains("送往 BAY-1（WO-1）") && !first.message.contains("WO-2"), "\(first.message)")
        #expect(try ws.order("WO-1")?.state == .repairing && ws.order("WO-2")?.state == .waitingParts)

        let second = try counter.scan("6901234567892").last!
        #expect(second.message.contains("送往 BAY-2（WO-2）"), "\(second.message)")
        #expect(try ws.order("WO-2")?.state == .repairing)
    }

    @Test("a job that asked for parts twice moves only when both requests have arrived; a job moved on by hand meanwhile is left where it is")
    func everyRequestOfTheJob() throws {
        let store = try TemporaryStore()
        try waitingJob(store, parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)])
        _ = try store.database.workshop.requestParts("WO-1", bay: nil, parts: [RequestedPart(partNumber: "08798-9036", quantity: 1)])
        let counter = Counter(database: store.database, deviceID: "c")
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892")
        #expect(try store.database.workshop.order("WO-1")?.state == .waitingParts, "the oil is still missing")
        _ = try counter.scan("4006381333931")
        #expect(try store.database.workshop.order("WO-1")?.state == .repairing)

        // Another job moved back to diagnosing by hand while its part was on the way.
        try waitingJob(store, ticket: "WO-3", parts: [RequestedPart(partNumber: "08798-9036", quantity: 1)])
        try store.database.workshop.transition("WO-3", to: .diagnosing, actor: "T1")
        _ = try counter.scan("4006381333931")
        #expect(try store.database.workshop.order("WO-3")?.state == .diagnosing)
    }
}

extension PartsArrivalTests {
    @Test("a call for parts with none named (the bay's parts button) does not hold the job when the parts it asked for arrive")
    func aCallWithoutPartsDoesNotHoldTheJob() throws {
        let store = try TemporaryStore()
        try waitingJob(store, parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)])
        _ = try store.database.workshop.requestParts("WO-1", bay: nil, parts: [])
        _ = try Counter(database: store.database, deviceID: "c").scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892")
        #expect(try store.database.workshop.order("WO-1")?.state == .repairing)
    }
}

extension PartsArrivalTests {
    @Test("undoing the receipt that completed a request takes the arrival back and, if nothing moved the job since, returns it to waiting-parts")
    func undoTakesTheArrivalBack() throws {
        let store = try TemporaryStore()
        try waitingJob(store, parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)])
        let counter = Counter(database: store.database, deviceID: "c")
        let ws = store.database.workshop
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892")
        #expect(try ws.order("WO-1")?.state == .repairing)

        let undone = try counter.scan("KD:CMD:UNDO").last!
        #expect(undone.accepted && undone.message.contains("WO-1 的待料未到齐"), "\(undone.message)")
        #expect(try ws.order("WO-1")?.state == .waitingParts)
        #expect(try store.database.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") }?.arrivedAt == nil)

        // Received again: it arrives again. Then the technician moves the job on by hand,
        // and an undo of the receipt leaves the job where the technician put it.
        _ = try counter.scan("6901234567892")
        #expect(try ws.order("WO-1")?.state == .repairing)
        try ws.transition("WO-1", to: .qualityCheck, actor: "T1")
        _ = try counter.scan("KD:CMD:UNDO")
        #expect(try ws.order("WO-1")?.state == .qualityCheck)
    }
}

extension PartsArrivalTests {
    @Test("with a receipt printer set, an arrival queues the slip for the parts, once")
    func arrivalPrintsASlip() throws {
        let store = try TemporaryStore()
        try store.database.printQueue.setArrivalSlips(printer: "receipts")
        try waitingJob(store, parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)])
        let counter = Counter(database: store.database, deviceID: "c")
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892", "6901234567892")
        let jobs = try store.database.pool.read { try PrintJob.filter(Column("kind") == PrintJob.Kind.partsArrival.rawValue).fetchAll($0) }
        let request = try #require(try store.database.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") })
        #expect(jobs.map(\.subjects) == [[request.id.uuidString]] && jobs.first?.printer == "receipts")
    }

    @Test("a cancelled job's request closes with it, so the next receipt goes to the job still waiting")
    func closedJobsWaitForNothing() throws {
        let store = try twoJobsWaitingForOneFilter()
        try store.database.workshop.transition("WO-1", to: .cancelled, actor: "A1", reason: "客户取消 / the customer cancelled")
        let counter = Counter(database: store.database, deviceID: "c")
        let received = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892").last!
        #expect(received.message.contains("送往 BAY-2（WO-2）") && !received.message.contains("WO-1"), "\(received.message)")
        #expect(try store.database.workshop.order("WO-2")?.state == .repairing)
    }

    @Test("a part issued to its own job is not counted again for it; issuing the part to another job takes the first job's arrival back")
    func issuesKeepTheCountRight() throws {
        let store = try TemporaryStore()
        try waitingJob(store, ticket: "WO-1", bay: "BAY-1", parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 2)])
        let counter = Counter(database: store.database, deviceID: "c")
        let ws = store.database.workshop
        _ = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "KD:CMD:QTY:2", "6901234567892")
        #expect(try ws.order("WO-1")?.state == .repairing)
        // One of the two goes to WO-1: it still holds one, and the shelf has one.
        _ = try counter.scan("KD:CMD:ISSUE", "KD:WO:WO-1", "KD:BIN:A-01", "6901234567892")
        try waitingJob(store, ticket: "WO-2", bay: "BAY-2", parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)])
        let second = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892").last!
        #expect(second.message.contains("送往 BAY-2（WO-2）"), "\(second.message)")
        // The receipt undone: one on the shelf, which WO-1 still holds; WO-2 waits again.
        _ = try counter.scan("KD:CMD:UNDO")
        #expect(try ws.order("WO-1")?.state == .repairing, "WO-1 keeps its part")
        #expect(try ws.order("WO-2")?.state == .waitingParts)

        // The last filter issued to another job: WO-1's second part is gone, it waits again.
        try store.openWorkOrders("WO-9")
        _ = try counter.scan("KD:CMD:ISSUE", "KD:WO:WO-9", "KD:BIN:A-01", "6901234567892")
        #expect(try ws.order("WO-1")?.state == .waitingParts)
        #expect(try store.database.pool.read { try String.fetchOne($0, sql: "SELECT arrivedAt FROM parts_request WHERE ticketCode = 'WO-1'") } == nil)
    }

    @Test("on a board that syncs, an arrival is shown but the job is left for the hub to move (it sees every counter's stock)")
    func syncingBoardLeavesTheJob() throws {
        let store = try TemporaryStore()
        try store.database.outbox.enable()
        try waitingJob(store, parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1)])
        let counter = Counter(database: store.database, deviceID: "c")
        let received = try counter.scan("KD:CMD:RECEIVE", "KD:BIN:A-01", "6901234567892").last!
        #expect(received.message.contains("送往 BAY-1（WO-1）") && !received.message.contains("the job moves"), "\(received.message)")
        #expect(try store.database.workshop.order("WO-1")?.state == .waitingParts)
        #expect(try store.database.pool.read { try PartsRequest.fetchOne($0, sql: "SELECT * FROM parts_request") }?.arrivedAt != nil)
    }

    @Test("the parts a request names are kept beside it, by trigger: raised, changed, invalid JSON, deleted")
    func requestedPartsFollowTheRequests() throws {
        let store = try TemporaryStore()
        try waitingJob(store)
        func named() throws -> [String] {
            try store.database.pool.read { try String.fetchAll($0, sql: "SELECT partNumber FROM parts_request_part ORDER BY partNumber") }
        }
        func requested(_ part: String) throws -> Bool {
            try store.database.pool.read { db in
                try Catalog.partWithFacts(forCode: part, in: db)?.facts.requested ?? false
            }
        }
        #expect(try named() == ["08798-9036", "15400-RTA-003"])
        #expect(try requested("15400-RTA-003") && requested("08798-9036"))
        try store.database.pool.write { db in
            try db.execute(sql: "UPDATE parts_request SET parts = ?", arguments: [#"[{"partNumber":"08798-9036","quantity":1}]"#])
        }
        #expect(try named() == ["08798-9036"])
        #expect(try !requested("15400-RTA-003") && requested("08798-9036"))
        try store.database.pool.write { db in try db.execute(sql: "UPDATE parts_request SET parts = 'not json'") }
        #expect(try named().isEmpty)
        try store.database.pool.write { db in
            try db.execute(sql: "UPDATE parts_request SET parts = ?", arguments: [#"[{"partNumber":"15400-RTA-003","quantity":1}]"#])
        }
        #expect(try requested("15400-RTA-003"))
        // A closed request names nothing for the scan path, though its rows stay with it.
        try store.database.pool.write { db in try db.execute(sql: "UPDATE parts_request SET clearedAt = CURRENT_TIMESTAMP") }
        #expect(try !requested("15400-RTA-003"))
        try store.database.pool.write { db in try db.execute(sql: "DELETE FROM parts_request") }
        #expect(try named().isEmpty)
    }
}
