import ArgumentParser
import Foundation
import KioskCore
import Labels

struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ticket", abstract: "Print a customer's job ticket (取车凭证) with the QR code of the phone page.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Argument(help: "Ticket codes of work orders.") var tickets: [String]
    func run() async throws { try printNow(.ticket, tickets, options: options, store: store, ticket: true) }
}
