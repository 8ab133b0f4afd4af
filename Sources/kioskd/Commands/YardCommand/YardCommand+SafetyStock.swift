import ArgumentParser
import Foundation
import KioskCore

extension YardCommand {
    struct SafetyStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "safety-stock", abstract: "Set the safety stock of a model (or of one colour of it).")
        @OptionGroup var store: StoreOptions
        @Argument var model: String
        @Argument var quantity: Int
        @Option(help: "Only this colour (default: any colour).") var colour = ""
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let (raised, cleared) = try yardRefusing { try db.yard.setSafetyStock(ModelSafetyStock(model: model, colour: colour, safetyStock: quantity)) }
            print("已设置 set: \(model)\(colour.isEmpty ? "" : " \(colour)") 安全库存 safety stock \(quantity)")
            for alert in raised { print("⚠ \(alert.message)") }
            for alert in cleared { print("✓ 已恢复 cleared: \(alert.model) \(alert.colour)") }
        }
    }
}
