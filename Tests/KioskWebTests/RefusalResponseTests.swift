import Foundation
import HTTPTypes
import Hummingbird
import KioskCore
@testable import KioskWeb
import Testing

@Suite("The core's refusals answer HTTP requests themselves")
struct RefusalResponseTests {
    @Test("each refusal has its status", arguments: [
        (WorkshopError.unknownWorkOrder("WO-9") as any HTTPResponseError, HTTPResponse.Status.notFound),
        (WorkshopError.unknownTechnician("T9"), .notFound),
        (WorkshopError.invalidField("plate", "too short"), .badRequest),
        (WorkshopError.pinLocked("T1", until: Date()), .tooManyRequests),
        (WorkshopError.illegalTransition(from: .checkedIn, to: .ready), .conflict),
        (WorkshopError.cancelReasonRequired, .conflict),
        (AccessError.wrongBadgeOrPIN, .unauthorized),
        (AccessError.unknownRole("boss"), .badRequest),
        (AccessError.lastAdmin("A1"), .conflict),
        (HubError.unknownDevice("bay-9"), .forbidden),
        (PrintRequestError.nothingToPrint("no bins"), .badRequest),
        (PrintRequestError.unknownJob(42), .notFound),
    ])
    func status(error: any HTTPResponseError, status: HTTPResponse.Status) {
        #expect(error.status == status, "\(error)")
    }
}
