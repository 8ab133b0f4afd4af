import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

extension Bins {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register bins.")
        @OptionGroup var store: StoreOptions
        @Option(help: "A description for people.") var label = ""
        @Argument(help: "Bin codes, e.g. A-01-03.") var codes: [String]

        func validate() throws {
            for code in codes where code.isEmpty || code.uppercased().hasPrefix("KD:") || code.contains(where: \.isWhitespace) {
                throw ValidationError("bin code \"\(code)\" must be non-empty, without spaces, and not start with KD:")
            }
        }

        func run() async throws {
            let (_, database) = try store.openDatabase()
            for code in codes { try database.catalog.save(Bin(code: code, label: label)) }
            print("已登记 registered \(codes.count) bins")
        }
    }
}
