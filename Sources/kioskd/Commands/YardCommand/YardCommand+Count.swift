import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Yard stocktake by hand: open, record a VIN seen in a bin, close (missing, unexpected, misplaced). At the counter: KD:CMD:YARD-COUNT.",
            subcommands: [Open.self, Record.self, Close.self])

        struct Open: AsyncParsableCommand {
            @OptionGroup var store: StoreOptions
            @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
            func run() async throws {
                let (_, db) = try store.openDatabase()
                let id = try yardRefusing { try db.yard.openStocktake(actor: actor ?? cliActor) }
                print("车场盘点已开始 yard stocktake opened \(id.uuidString)")
            }
        }

        struct Record: AsyncParsableCommand {
            @OptionGroup var store: StoreOptions
            @Argument var vin: String
            @Option var bin: String
            func run() async throws {
                let (_, db) = try store.openDatabase()
                let vin = try parseVIN(vin)
                try yardRefusing { try db.yard.count(vin, in: bin) }
                print("✓ \(vin.text) @\(bin)")
            }
        }

        struct Close: AsyncParsableCommand {
            @OptionGroup var store: StoreOptions
            func run() async throws {
                let (_, db) = try store.openDatabase()
                let variance = try yardRefusing { try db.yard.closeStocktake() }
                print(variance.report)
                if !variance.isClean { throw ExitCode(7) }
            }
        }
    }
}
