import Foundation
import GRDB

/// A quote as the phone, bay and counter pages show it: items and amounts, the total, and
/// whether the customer answered. Nothing personal.
public struct QuoteView: Codable, Sendable, Hashable {
    public var id: UUID
    public var ticketCode: String
    public var lines: [QuoteLine]
    public var totalFen: Int
    /// `¥880.00`.
    public var total: String
    public var decision: JobQuote.Decision?
    public var decidedAt: Date?
    public var createdAt: Date
    /// Open for the customer's answer: not answered, and the job waits for approval.
    public var awaitingAnswer: Bool

    public init(_ quote: JobQuote, job: WorkOrder) {
        (id, ticketCode, lines, totalFen, total) = (quote.id, quote.ticketCode, quote.lines, quote.totalFen, yuanText(quote.totalFen))
        (decision, decidedAt, createdAt) = (quote.decision, quote.decidedAt, quote.createdAt)
        awaitingAnswer = JobQuote.isAwaited(quote, by: job)
    }
}

extension Workshop {
    /// The job's newest quote as the pages show it (nil when there is none, or it was withdrawn).
    static func quoteView(of order: WorkOrder, in db: Database) throws -> QuoteView? {
        guard let quote = try latestQuote(of: order.ticketCode, in: db), quote.decision != .withdrawn else { return nil }
        return QuoteView(quote, job: order)
    }

    /// The phone page's quote for the job behind `publicToken` (see ``quoteView(of:in:)``).
    public func quoteView(publicToken: String) throws -> QuoteView? {
        try database.pool.read { db in
            guard let order = try WorkOrder.filter(Column("publicToken") == publicToken).fetchOne(db) else { return nil }
            return try Self.quoteView(of: order, in: db)
        }
    }

    /// A quote as the pages show it, by its id (nil: no such quote).
    public func quoteView(id: UUID) throws -> QuoteView? {
        try database.pool.read { db in
            guard let quote = try JobQuote.fetchOne(db, key: id), let order = try WorkOrder.fetchOne(db, key: quote.ticketCode) else { return nil }
            return QuoteView(quote, job: order)
        }
    }
}
