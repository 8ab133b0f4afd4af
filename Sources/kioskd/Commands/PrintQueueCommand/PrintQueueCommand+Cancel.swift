import ArgumentParser
import Foundation
import KioskCore
import Labels

extension PrintQueueCommand {
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a job out of the queue without printing it.")
        @OptionGroup var store: StoreOptions
        @Argument var id: Int64
        func run() async throws {
            let (_, db) = try store.openDatabase()
            do { try db.printQueue.cancel(id) } catch { throw Refused("\(error)") }
            print("已取消 cancelled #\(id)")
        }
    }
}
