import ArgumentParser
import Foundation
import KioskCore
import Labels

extension PrintQueueCommand {
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try every waiting job now.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (config, db) = try store.openDatabase()
            let round = try PrintSpooler(database: db, printers: config.printers, settings: config.labelSettings()).drain()
            print("已打印 printed \(round.printed)")
            for (printer, failure) in round.failures.sorted(by: { $0.key < $1.key }) { print("✗ \(printer): \(failure)") }
            for (id, failure) in round.jobFailures.sorted(by: { $0.key < $1.key }) { print("✗ #\(id): \(failure)") }
            for job in round.gaveUp { print("✗ #\(job.id ?? 0) 已放弃 given up: \(job.lastError ?? "")") }
            let waiting = try db.printQueue.waiting().count
            if waiting > 0 { print("等待中 still waiting: \(waiting)"); throw ExitCode(9) }
        }
    }
}
