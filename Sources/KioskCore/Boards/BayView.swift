import Foundation
import GRDB

/// The bay page's view of its job: the job the bay shows, who is clocked on, the moves the
/// page may offer, and the bay's last button press.
public struct BayView: Codable, Sendable {
    public struct Job: Codable, Sendable {
        public var ticketCode: String
        public var plate: String
        public var state: JobState
        public var stateZh: String
        public var stateEn: String
        public var stateSince: Date
        public var allowedNext: [JobState]
        public var next: JobState?
        public var services: [ServiceItem]
        public var technicians: [String]
        public var promisedAt: Date?
        /// The advisor's quote for extra work and the customer's answer, when there is one.
        public var quote: QuoteView?
    }
    /// A press of the bay's buttons and what it came to.
    public struct Press: Codable, Sendable {
        public var id: UUID
        public var button: String
        public var accepted: Bool
        public var message: String
        public var at: Date
    }
    public var bay: String
    public var job: Job?
    public var stateNames: [String: [String]]
    /// The last press of the bay's buttons in the last ten minutes.
    public var lastPress: Press?
}

extension Workshop {
    /// The bay page's view, read in one snapshot through GRDB's async API.
    public func bayView(_ bay: String, now: Date = Date()) async throws -> BayView {
        try await database.pool.read { db in
            let names = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, [$0.nameZh, $0.nameEn]) })
            let lastPress = try Self.lastPress(atBay: bay, since: now.addingTimeInterval(-600), in: db).map {
                BayView.Press(id: $0.id, button: $0.button, accepted: $0.accepted, message: $0.message, at: $0.at)
            }
            guard let order = try Self.currentJob(atBay: bay, in: db) else {
                return BayView(bay: bay, job: nil, stateNames: names, lastPress: lastPress)
            }
            let technicians = try String.fetchAll(db, sql: """
                SELECT technician.badge || ' ' || technician.name FROM job_clock JOIN technician USING (badge)
                WHERE job_clock.ticketCode = ? AND job_clock.offAt IS NULL ORDER BY job_clock.onAt
                """, arguments: [order.ticketCode])
            let job = BayView.Job(ticketCode: order.ticketCode, plate: order.plate, state: order.state, stateZh: order.state.nameZh,
                                  stateEn: order.state.nameEn, stateSince: order.stateSince,
                                  allowedNext: JobState.allCases.filter { order.state.allowedNext.contains($0) },
                                  next: order.state.advance, services: order.services, technicians: technicians, promisedAt: order.promisedAt,
                                  quote: try Self.quoteView(of: order, in: db))
            return BayView(bay: bay, job: job, stateNames: names, lastPress: lastPress)
        }
    }
}
