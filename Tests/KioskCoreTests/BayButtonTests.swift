import Foundation
import GRDB
import Testing
@testable import KioskCore

@Suite("A bay's buttons (pure rules)")
struct BayButtonRuleTests {
    /// WO-1 at BAY-1, in `state`.
    func job(_ state: JobState) throws -> WorkOrder {
        let store = try TemporaryStore()
        var order = try store.database.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294",
                                                                    customerPhone: "13800000000", bay: "BAY-1"), actor: "desk")
        order.state = state
        return order
    }

    @Test("advance moves an open job one step on the main path, from every state but ready and waiting for the customer's answer", arguments: JobState.allCases.filter(\.isOpen))
    func advance(state: JobState) throws {
        let action = BayButtonRules.decide(button: "advance", kind: .short, bay: "BAY-1", job: try job(state))
        if state == .ready {
            #expect(action == .refuse(.closedAtTheDesk(ticketCode: "WO-1")), "handing over is the desk's")
        } else if state == .waitingApproval {
            #expect(action == .refuse(.waitingForCustomer(ticketCode: "WO-1")), "the customer's answer to the quote moves it on")
        } else {
            #expect(action == .advance(ticketCode: "WO-1", from: state, to: state.advance!))
        }
    }

    @Test("without a job: advance and parts are refused; help still calls; acknowledge acknowledges")
    func noJob() {
        #expect(BayButtonRules.decide(button: "advance", kind: .short, bay: "BAY-1", job: nil) == .refuse(.noJobAtBay("BAY-1")))
        #expect(BayButtonRules.decide(button: "parts", kind: .short, bay: "BAY-1", job: nil) == .refuse(.noJobAtBay("BAY-1")))
        #expect(BayButtonRules.decide(button: "help", kind: .short, bay: "BAY-1", job: nil) == .callForHelp(ticketCode: nil))
        #expect(BayButtonRules.decide(button: "acknowledge", kind: .long, bay: "BAY-1", job: nil) == .acknowledge)
    }

    @Test("a long press of advance and any press of help call for help; parts calls for parts; an unknown button is refused by name")
    func otherButtons() throws {
        let repairing = try job(.repairing)
        #expect(BayButtonRules.decide(button: "advance", kind: .long, bay: "BAY-1", job: repairing) == .callForHelp(ticketCode: "WO-1"))
        #expect(BayButtonRules.decide(button: "help", kind: .short, bay: "BAY-1", job: repairing) == .callForHelp(ticketCode: "WO-1"))
        #expect(BayButtonRules.decide(button: "parts", kind: .long, bay: "BAY-1", job: repairing) == .callForParts(ticketCode: "WO-1"))
        let unknown = BayButtonRules.decide(button: "next", kind: .short, bay: "BAY-1", job: repairing)
        #expect(unknown == .refuse(.unknownButton("next")))
        #expect(BayButtonRefusal.unknownButton("next").description.contains("[gpio.buttons]"))
    }
}

@Suite("A bay's buttons in the store")
struct BayButtonStoreTests {
    /// WO-1, checked in at BAY-1.
    func openJob(in workshop: Workshop) throws {
        _ = try workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800000000",
                                             bay: "BAY-1"), actor: "desk")
    }

    @Test("each press is one transaction: a move, a parts call and a help call are recorded with the press; refusals change nothing but their record")
    func presses() throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        #expect(try workshop.press("advance", kind: .short, bay: "BAY-1").message.contains("no open job at bay BAY-1"))
        try openJob(in: workshop)
        let moved = try workshop.press("advance", kind: .short, bay: "BAY-1")
        #expect(moved.effect == .moved && moved.ticketCode == "WO-1" && moved.message.contains("diagnosing"))
        #expect(try workshop.order("WO-1")?.state == .diagnosing)
        #expect(try workshop.transitions(of: "WO-1").last?.actor == "bay:BAY-1")
        #expect(try workshop.press("parts", kind: .short, bay: "BAY-1").effect == .partsCalled)
        #expect(try workshop.openPartsRequests().map(\.ticketCode) == ["WO-1"])
        #expect(try workshop.press("advance", kind: .long, bay: "BAY-1").effect == .helpCalled)
        #expect(try workshop.events(kind: .callForHelp).count == 1)

        // Up to ready on the page; the button then refuses to hand the car over.
        for state in [JobState.repairing, .qualityCheck, .ready] { try workshop.transition("WO-1", to: state, actor: "T1") }
        let refused = try workshop.press("advance", kind: .short, bay: "BAY-1")
        #expect(!refused.accepted && refused.effect == .refused && refused.message.contains("service desk"))
        #expect(try workshop.order("WO-1")?.state == .ready, "nothing changed")
        #expect(try workshop.lastPress(atBay: "BAY-1", since: .distantPast).map { [$0.id.uuidString, $0.message] } == [refused.id.uuidString, refused.message])
        #expect(try workshop.lastPress(atBay: "BAY-2", since: .distantPast) == nil)
    }

    @Test("a press decides on the job as committed: a move made on the page first is not stepped over twice")
    func pressAfterPageMove() throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        try openJob(in: workshop)
        try workshop.transition("WO-1", to: .diagnosing, actor: "T1")   // the page, before the press is applied
        #expect(try workshop.press("advance", kind: .short, bay: "BAY-1").message.contains("diagnosing → repairing"))
        #expect(try workshop.transitions(of: "WO-1").map(\.toState) == [.checkedIn, .diagnosing, .repairing])
    }

    @Test("a press that cannot be committed throws and leaves nothing: no move, no record")
    func failedCommit() throws {
        let store = try TemporaryStore()
        let workshop = store.database.workshop
        try openJob(in: workshop)
        // The store refuses the press's record (as a full disk or a damaged store would refuse the commit).
        try store.database.pool.write { try $0.execute(sql: "CREATE TRIGGER no_press BEFORE INSERT ON bay_press BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        #expect(throws: DatabaseError.self) { try workshop.press("advance", kind: .short, bay: "BAY-1") }
        #expect(try workshop.order("WO-1")?.state == .checkedIn, "the move rolled back with the record")
        #expect(try workshop.lastPress(atBay: "BAY-1", since: .distantPast) == nil)
    }
}
