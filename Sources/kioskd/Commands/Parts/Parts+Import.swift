import ArgumentParser
import Foundation
import KioskCore
import SwiftCSV

extension Parts {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import parts from a CSV file (UTF-8, with a header row).",
            discussion: """
                Columns: part_number, name_zh (required); name_en, unit, barcodes (separated by | or ;), \
                bin, safety_stock, reorder_point, unit_cost (yuan, e.g. 68.50). The names people use are accepted too: barcode, 条码, 库位, \
                零件号, 名称, 安全库存, 补货点, 成本价 …. Parts already known are updated. One bad row refuses the \
                whole file and nothing is written; each problem is shown with its line and column. \
                --dry-run reports what each row would do (new or updated part, new bin, a barcode another \
                part owns) and writes nothing. Long imports show progress on standard error.
                """)
        @OptionGroup var store: StoreOptions
        @Flag(name: .long, help: "Check the file and report per row what would happen; write nothing.") var dryRun = false
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
            if dryRun {
                let preview = try database.catalog.previewImport(parts)
                for row in preview {
                    let what = row.isNew ? "新增 new" : row.changes.isEmpty && row.removedBarcodes.isEmpty ? "不变 unchanged"
                        : "更新 update (\((row.changes + row.removedBarcodes.map { "−条码 barcode \($0)" }).joined(separator: ", ")))"
                    let bin = row.newBin.map { "，新库位 new bin \($0)" } ?? ""
                    let clash = row.conflicts.map { "；条码 \($0.code) 属于 \($0.owner) / barcode \($0.code) belongs to \($0.owner)" }.joined()
                    print("第 \(row.line) 行 line \(row.line): \(what) \(row.partNumber)\(bin)\(clash)")
                }
                let refused = preview.contains { !$0.conflicts.isEmpty }
                print("试运行 dry run: \(preview.filter(\.isNew).count) new, \(preview.filter { !$0.isNew }.count) updated, "
                      + "\(Set(preview.compactMap(\.newBin)).count) new bins; \(refused ? "导入会被拒绝 the import would be refused" : "可以导入 the import would succeed"); nothing written")
                if refused { throw ExitCode(1) }
                return
            }
            let progress = TerminalProgress()
            do {
                let result = try progress.run { try database.catalog.importParts(parts, progress: $0) }
                progress.finish("已导入 imported \(TerminalProgress.grouped(result.parts)) rows from \(file)")
                print("已导入 imported \(result.parts) parts, \(result.barcodes) barcodes, \(result.newBins) new bins")
            } catch let error as ImportError {
                throw Refused(error.description)
            } catch let error as CatalogError {
                throw Refused("导入被拒绝，未写入任何数据 / import refused, nothing written: \(error.description)")
            }
        }
    }
}
