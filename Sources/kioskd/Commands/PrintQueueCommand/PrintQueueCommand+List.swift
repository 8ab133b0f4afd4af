import ArgumentParser
import Foundation
import KioskCore
import Labels

extension PrintQueueCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest jobs and what became of them.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for job in try db.printQueue.recent() {
                let state = switch job.state {
                case .printed: "printed 已打印"
                case .cancelled: "cancelled 已取消"
                case .failed: "failed 已放弃"
                case .waiting: "waiting 等待中"
                }
                print(["#\(job.id ?? 0)", job.printer, job.kind.rawValue, job.subjects.joined(separator: ","), state,
                       "attempts=\(job.attempts)", job.lastError ?? ""].joined(separator: "\t"))
            }
        }
    }
}
