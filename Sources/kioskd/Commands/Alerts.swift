import ArgumentParser
import Foundation
import KioskCore

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Standing low-stock alerts (安全库存预警).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let (_, database) = try store.openDatabase()
        let alerts = try database.stock.standingAlerts()
        if alerts.isEmpty { print("没有预警 no standing alerts") }
        for a in alerts { print(a.message) }
    }
}
