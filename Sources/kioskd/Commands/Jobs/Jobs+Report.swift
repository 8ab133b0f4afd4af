import ArgumentParser
import Foundation
import KioskCore

extension Jobs {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time per state, technician efficiency and bay utilisation.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Start of the window (default: 7 days ago).") var from: String?
        @Option(help: "End of the window (default: now).") var to: String?
        @Option(help: "Print one table as CSV: technicians, states or bays.") var csv: String?

        func validate() throws {
            if let csv, !["technicians", "states", "bays"].contains(csv) { throw ValidationError("--csv must be technicians, states or bays") }
        }

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let end = try to.map(parseDate) ?? Date()
            let start = try from.map(parseDate) ?? end.addingTimeInterval(-7 * 86400)
            let report = WorkshopReport(try db.workshop.history(from: start, to: end), now: Date())
            switch csv {
            case "technicians": print(report.techniciansCSV, terminator: "")
            case "states": print(report.stateTimeCSV, terminator: "")
            case "bays": print(report.baysCSV, terminator: "")
            default:
                print("技师效率 technician efficiency (standard ÷ actual hours)\n" + report.techniciansCSV)
                print("工位利用率 bay utilisation\n" + report.baysCSV)
                print("各状态时长 hours per state per job\n" + report.stateTimeCSV, terminator: "")
            }
        }
    }
}
