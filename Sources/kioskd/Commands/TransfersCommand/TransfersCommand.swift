import ArgumentParser

struct TransfersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfers",
        abstract: "Cartons shipped to and from the chain's sister stores (调拨), and the chain's report.",
        discussion: """
            A hub with [hub] ledger ships a carton: the chain's ledger gives it an SSCC, the part leaves \
            its bin, and its GS1-128 label prints (`kioskd labels preview carton SSCC` writes it to a file). \
            The sister store receives it by scanning the label in RECEIVE mode at any of its counters.
            """,
        subcommands: [Ship.self, List.self, Report.self],
        defaultSubcommand: List.self)
}
