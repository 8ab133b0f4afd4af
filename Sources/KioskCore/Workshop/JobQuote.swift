import Foundation
import GRDB

/// One item of a service advisor's quote for extra work (增项报价): what, and how much.
public struct QuoteLine: Codable, Sendable, Hashable {
    public var item: String
    /// The amount in fen (分): whole numbers, so that no total is off by a float's rounding.
    public var amountFen: Int

    public init(item: String, amountFen: Int) {
        (self.item, self.amountFen) = (item, amountFen)
    }

    /// Reads `ITEM:AMOUNT` as typed at the desk, the amount in yuan with at most two decimals
    /// (`更换前刹车片:680`, `工时:200.50`); nil when it is not that shape.
    public init?(argument: String) {
        guard let colon = argument.lastIndex(where: { $0 == ":" || $0 == "：" }),
              let fen = Self.fen(fromYuan: String(argument[argument.index(after: colon)...])) else { return nil }
        self.init(item: String(argument[..<colon]).trimmingCharacters(in: .whitespaces), amountFen: fen)
    }

    /// `680`, `680.5`, `680.50` → fen; nil for anything else (a sign, three decimals, letters).
    public static func fen(fromYuan text: String) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, (1...8).contains(whole.count), whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              let yuan = Int(whole) else { return nil }
        var cents = 0
        if parts.count == 2 {
            let decimals = parts[1]
            guard (1...2).contains(decimals.count), decimals.allSatisfy({ $0.isASCII && $0.isNumber }), let d = Int(decimals) else { return nil }
            cents = decimals.count == 1 ? d * 10 : d
        }
        return yuan * 100 + cents
    }
}

/// Renders fen as the customer reads it: `¥880.00`.
public func yuanText(_ fen: Int) -> String {
    "¥\(fen / 100).\(String(format: "%02d", fen % 100))"
}

/// A service advisor's quote for extra work found at diagnosis. The job waits for approval
/// while it is open; the customer approves or declines it on the phone page (the link on their
/// ticket), which records when and through which link, and moves the job on to repairing.
public struct JobQuote: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_quote"

    public enum Decision: String, Codable, Sendable, Hashable {
        /// The customer approved the extra work.
        case approved
        /// The customer declined it: the booked work goes on without it.
        case declined
        /// A newer quote for the same job took its place before the customer answered.
        case withdrawn

        public var nameZh: String {
            switch self { case .approved: "客户已同意"; case .declined: "客户不同意"; case .withdrawn: "已撤回" }
        }
        public var nameEn: String {
            switch self { case .approved: "approved by the customer"; case .declined: "declined by the customer"; case .withdrawn: "withdrawn" }
        }
    }

    public var id: UUID
    public var ticketCode: String
    public var lines: [QuoteLine]
    public var createdAt: Date
    /// The advisor who made it.
    public var createdBy: String
    public var decision: Decision?
    public var decidedAt: Date?
    /// The phone link's token the customer answered through (or, for a withdrawn quote, who
    /// made the quote that replaced it).
    public var decidedVia: String?

    public var totalFen: Int { lines.reduce(0) { $0 + $1.amountFen } }

    /// Whether `order` waits for this quote's answer: not answered, and waiting for approval
    /// since the quote was made (to the store's millisecond).
    static func isAwaited(_ quote: JobQuote, by order: WorkOrder) -> Bool {
        quote.decision == nil && order.state == .waitingApproval && order.stateSince.timeIntervalSince(quote.createdAt) < 0.001
    }

    /// The most lines a quote holds, the longest item, the largest amount of one line (¥999,999.99).
    public static let maxLines = 30, maxItemLength = 60, maxAmountFen = 99_999_999

    /// What is wrong with these lines, or nil.
    public static func problem(_ lines: [QuoteLine]) -> String? {
        guard (1...maxLines).contains(lines.count) else {
            return "报价需 1 到 \(maxLines) 项 / a quote holds 1 to \(maxLines) items (got \(lines.count))"
        }
        for line in lines {
            let item = line.item.trimmingCharacters(in: .whitespacesAndNewlines)
            // Counted in characters and in bytes (combining marks cannot pile up), and no control
            // or invisible formatting characters (a right-to-left override reorders the text).
            guard !item.isEmpty, item.count <= maxItemLength, item.utf8.count <= maxItemLength * 4,
                  !item.unicodeScalars.contains(where: { [.control, .format].contains($0.properties.generalCategory) }) else {
                return "报价项目名称需 1 到 \(maxItemLength) 个字符 / each item needs a name of 1 to \(maxItemLength) characters (got \"\(line.item.prefix(80))\")"
            }
            guard (0...maxAmountFen).contains(line.amountFen) else {
                return "「\(item)」的金额无效 / the amount of \"\(item)\" must be ¥0.00 to \(yuanText(maxAmountFen)) (got \(line.amountFen) fen)"
            }
        }
        return nil
    }
}

/// The customer's answer on the phone page.
public enum QuoteAnswer: String, Codable, Sendable, Hashable {
    case approve, decline

    var decision: JobQuote.Decision { self == .approve ? .approved : .declined }
}

/// Why a quote could not be made or answered. Each says what to do.
public enum QuoteError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    /// Quotes are made and answered at the store's hub (or a store that does not sync).
    case notAtTheHub
    /// No job behind this phone link, or the quote is not this job's.
    case unknownQuote
    /// The quote was answered (or withdrawn) already, differently.
    case alreadyDecided(JobQuote.Decision, at: Date)
    /// The job no longer waits for approval (the advisor moved it on).
    case notWaiting(JobState)

    public var description: String {
        switch self {
        case .invalid(let why): why
        case .notAtTheHub:
            "报价请在门店主机上开具 / make quotes on the store's hub (kioskd jobs quote there, or its API): the customer answers through the hub's phone page"
        case .unknownQuote: "找不到该报价，请刷新页面 / no such quote for this link: reload the page"
        case let .alreadyDecided(decision, at):
            "该报价已于 \(StoredDate.text(at)) \(decision.nameZh) / this quote was \(decision.nameEn) at \(StoredDate.text(at)): call the service desk to change it"
        case .notWaiting(let state):
            "车辆已不在等待确认（当前：\(state.nameZh)），请联系服务顾问 / the job no longer waits for your approval (now \(state.nameEn)): call the service desk"
        }
    }
}

extension Workshop {
    /// Makes a quote for extra work on an open job and puts the job in waiting-approval (a
    /// job already there keeps waiting; an earlier quote not yet answered is withdrawn). Audited.
    @discardableResult
    public func quote(_ ticket: String, lines: [QuoteLine], actor: String, id: UUID = UUID(), at time: Date = Date()) throws -> JobQuote {
        try database.pool.write { try Self.quote(ticket, lines: lines, actor: actor, id: id, at: time, in: $0) }
    }

    static func quote(_ ticket: String, lines: [QuoteLine], actor: String, id: UUID, at time: Date, in db: Database) throws -> JobQuote {
        if let problem = JobQuote.problem(lines) { throw QuoteError.invalid(problem) }
        guard try answersQuotes(in: db) else { throw QuoteError.notAtTheHub }
        guard let order = try WorkOrder.fetchOne(db, key: ticket) else { throw WorkshopError.unknownWorkOrder(ticket) }
        if let same = try JobQuote.fetchOne(db, key: id) {
            // The same quote sent again (a retried request); an id of another job's quote is a mistake.
            guard same.ticketCode == ticket else { throw QuoteError.invalid("报价编号 \(id) 属于工单 \(same.ticketCode) / quote \(id) is work order \(same.ticketCode)'s: send a new id") }
            return same
        }
        let lines = lines.map { QuoteLine(item: $0.item.trimmingCharacters(in: .whitespacesAndNewlines), amountFen: $0.amountFen) }
        let quote = JobQuote(id: id, ticketCode: ticket, lines: lines, createdAt: time, createdBy: actor)
        if order.state != .waitingApproval {
            _ = try transition(ticket, to: .waitingApproval, actor: actor, bay: nil,
                               reason: "报价 \(yuanText(quote.totalFen)) 待客户确认 / quote of \(yuanText(quote.totalFen)) for the customer to approve",
                               parts: [], id: UUID(), at: time, in: db)
        }
        try db.execute(sql: "UPDATE job_quote SET decision = 'withdrawn', decidedAt = ?, decidedVia = ? WHERE ticketCode = ? AND decision IS NULL",
                       arguments: [time, actor, ticket])
        try quote.insert(db)
        _ = try AuditLog.record(.quoteMade, actor: actor, detail: "\(ticket): \(lines.count) item(s), \(yuanText(quote.totalFen))", at: time, in: db)
        return quote
    }

    /// The customer's answer through the phone link `publicToken`: records it with the time
    /// and the link, audits it, and moves the job on to repairing (approved: with the extra
    /// work; declined: the booked work goes on). The same answer again changes nothing.
    @discardableResult
    /// `client`: the address the answer came from, for the audit log.
    public func answerQuote(publicToken: String, quote id: UUID, answer: QuoteAnswer, client: String? = nil, at time: Date = Date()) throws -> JobQuote {
        try database.pool.write { db in
            guard try Self.answersQuotes(in: db) else { throw QuoteError.notAtTheHub }
            guard let order = try WorkOrder.filter(Column("publicToken") == publicToken).fetchOne(db),
                  var quote = try JobQuote.fetchOne(db, key: id), quote.ticketCode == order.ticketCode else { throw QuoteError.unknownQuote }
            if let decision = quote.decision {
                if decision == answer.decision { return quote }
                throw QuoteError.alreadyDecided(decision, at: quote.decidedAt ?? quote.createdAt)
            }
            // Waiting for approval since the quote was made: a job that moved on and came back
            // waits for a new quote, not this one.
            guard JobQuote.isAwaited(quote, by: order) else { throw QuoteError.notWaiting(order.state) }
            (quote.decision, quote.decidedAt, quote.decidedVia) = (answer.decision, time, publicToken)
            try quote.update(db)
            let total = yuanText(quote.totalFen)
            let reason = answer == .approve
                ? "客户同意报价 \(total) / the customer approved the quote of \(total)"
                : "客户不同意增项 \(total)，按原项目维修 / the customer declined the extra work (\(total)): the booked work goes on"
            _ = try Self.transition(order.ticketCode, to: .repairing, actor: "customer", bay: nil, reason: reason, parts: [], id: UUID(), at: time, in: db)
            _ = try AuditLog.record(.quoteAnswered, actor: "customer",
                                    detail: "\(order.ticketCode): \(answer.decision.rawValue) \(total) through the phone link \(publicToken.prefix(6))…"
                                        + (client.map { " from \($0.prefix(64))" } ?? ""), at: time, in: db)
            return quote
        }
    }

    /// The job's newest quote, answered or not.
    public func latestQuote(of ticket: String) throws -> JobQuote? {
        try database.pool.read { try Self.latestQuote(of: ticket, in: $0) }
    }

    static func latestQuote(of ticket: String, in db: Database) throws -> JobQuote? {
        try JobQuote.filter(Column("ticketCode") == ticket).order(Column("createdAt").desc, Column("rowid").desc).fetchOne(db)
    }

    /// Quotes are made and answered where the customer's phone link is served and the job's
    /// moves are decided: a store that does not sync, or the hub. A board that syncs gets them
    /// from the hub.
    static func answersQuotes(in db: Database) throws -> Bool {
        try movesJobsForParts(in: db)
    }
}
