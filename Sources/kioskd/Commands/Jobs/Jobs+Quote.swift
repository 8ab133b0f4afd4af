import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct Quote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quote extra work (增项报价) for the customer to approve or decline on their phone page; the job waits for approval.",
            discussion: "On the store's hub (or a store that does not sync). Example: kioskd jobs quote WO-1 --line 更换前刹车片:680 --line 工时:200.00")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Option(name: .customLong("line"), help: "ITEM:AMOUNT in yuan (at most two decimals), repeatable.") var lines: [QuoteLineArgument]
        @Option(help: "Who quotes, for the audit log (default: cli:<your login>).") var actor: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let quote: JobQuote
            do {
                quote = try refusing { try db.workshop.quote(ticket, lines: lines.map(\.line), actor: actor ?? cliActor) }
            } catch let e as QuoteError { throw Refused(e.description) }
            for line in quote.lines { print("\(line.item)\t\(yuanText(line.amountFen))") }
            print("报价 quote \(yuanText(quote.totalFen)) for \(ticket): 等待客户在手机页面确认 / waiting for the customer's answer on their phone page")
        }
    }
}

/// `ITEM:AMOUNT`, the amount in yuan.
struct QuoteLineArgument: ExpressibleByArgument {
    let line: QuoteLine
    init?(argument: String) {
        guard let line = QuoteLine(argument: argument) else { return nil }
        self.line = line
    }
}
