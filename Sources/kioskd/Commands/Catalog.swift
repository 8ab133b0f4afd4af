import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

struct Parts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The parts catalog (配件).",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import parts from a CSV file (UTF-8, with a header row).",
            discussion: """
                Columns: part_number, name_zh, name_en (required); unit, barcodes (separated by | or ;), \
                bin, safety_stock, reorder_point. Parts already known are updated. One bad row refuses the \
                whole file and nothing is written; each problem is shown with its line and column.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            let csv: CSV<Named>
            do {
                csv = try CSV<Named>(url: URL(fileURLWithPath: file), delimiter: .comma)
            } catch {
                throw Refused(ImportError.unreadable("\(file): \(error)").description)
            }
            let parts: PartsImport
            do { parts = try PartsImport(header: csv.header, records: csv.rows) } catch { throw Refused(error.description) }
            let (_, database) = try store.openDatabase()
            do {
                let result = try database.catalog.importParts(parts)
                print("已导入 imported \(result.parts) parts, \(result.barcodes) barcodes, \(result.newBins) new bins")
            } catch let error as CatalogError {
                throw Refused("导入被拒绝，未写入任何数据 / import refused, nothing written: \(error.description)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List parts with their barcodes and thresholds.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (_, database) = try store.openDatabase()
            for part in try database.catalog.parts() {
                let codes = try database.catalog.barcodes(of: part.partNumber).map(\.code).joined(separator: "|")
                print([part.partNumber, part.nameZh, part.nameEn, part.unit, "safety=\(part.safetyStock)",
                       "reorder=\(part.reorderPoint)", "bin=\(part.defaultBin ?? "-")", codes].joined(separator: "\t"))
            }
        }
    }
}

struct Bins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bins (库位): add and list. Bin labels carry KD:BIN:<code>.",
        subcommands: [Add.self, List.self])

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

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List bins and the text of their labels.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, database) = try store.openDatabase()
            for bin in try database.catalog.bins() { print("\(bin.code)\t\(bin.labelBarcode)\t\(bin.label)") }
        }
    }
}
