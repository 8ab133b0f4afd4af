import ArgumentParser
import Foundation
import KioskCore
import Labels

struct BinsLabels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bins", abstract: "Bin labels (库位标签) for a range of bins, or the bins named.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var options: PrintOptions
    @Option(help: "The first bin of the range.") var from: String?
    @Option(help: "The last bin of the range (in code order).") var to: String?
    @Argument(help: "Bins by code (instead of a range).") var bins: [String] = []

    func run() async throws {
        var codes = bins
        if from != nil || to != nil {
            guard let from, let to else { throw ValidationError("give both --from and --to") }
            let (_, db) = try store.openDatabase()
            do { codes = try db.printQueue.bins(from: from, to: to) } catch { throw Refused("\(error)") }
        }
        guard !codes.isEmpty else { throw ValidationError("name bins, or give --from and --to") }
        try printNow(.bins, codes, options: options, store: store)
    }
}
