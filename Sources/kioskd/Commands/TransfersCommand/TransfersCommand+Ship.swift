import ArgumentParser
import Foundation
import KioskCore

extension TransfersCommand {
    struct Ship: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ship", abstract: "Ship a carton of one part to a sister store.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The part number.") var part: String
        @Option(help: "How many (1–1,000,000).") var quantity: Int
        @Option(help: "The sister store's id in the chain ([hub] store_id there).") var to: String
        @Option(help: "The bin it leaves (default: the part's default bin).") var bin: String?
        @Option(help: "Idempotency key (a UUID): shipping the same key again prints the carton shipped.") var key: String?

        func validate() throws {
            guard (1...MovementDraft.maximumQuantity).contains(quantity) else { throw ValidationError("--quantity \(quantity) is outside 1…\(MovementDraft.maximumQuantity)") }
            if let key, UUID(uuidString: key) == nil { throw ValidationError("--key \(key) is not a UUID") }
        }

        func run() async throws {
            let (config, database) = try store.openDatabase()
            let order = TransferOrder(partNumber: part, quantity: quantity, toStore: to, bin: bin, key: key.flatMap(UUID.init(uuidString:)) ?? UUID(), actor: cliActor)
            let transfer = try await withChainLedger(config, database, command: "transfers ship") { try await $0.ship(order) }
            print("✓ 已发货 shipped \(transfer.partNumber) ×\(transfer.quantity) from \(transfer.fromBin) to \(transfer.toStore)")
            print("SSCC \(transfer.sscc)  label \(transfer.labelCode)")
            print("标签 label: kioskd labels preview carton \(transfer.sscc) --out carton.pdf (or print it on the label printer)")
        }
    }
}
