import Foundation
import GRDB

/// Parts imported from a table (the `parts import` CSV): one row a part.
///
/// Columns (header names, any order): `part_number`, `name_zh`, `name_en` (required),
/// `unit`, `barcodes` (several separated by `|` or `;`), `bin`, `safety_stock`,
/// `reorder_point` (optional). The whole file is checked first; one bad row rejects the
/// file and nothing is written.
public struct PartsImport: Sendable {
    public struct Row: Sendable, Hashable {
        public var part: Part
        public var barcodes: [String]
    }

    public static let requiredColumns = ["part_number", "name_zh", "name_en"]
    public static let knownColumns: Set<String> = ["part_number", "name_zh", "name_en", "unit", "barcodes", "bin", "safety_stock", "reorder_point"]

    /// A problem with one cell, named by its line in the file and its column.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: String
        public var message: String
        public var description: String { "第 \(line) 行 line \(line), 列 column \(column): \(message)" }
    }

    public var rows: [Row]

    static let empty = PartsImport(rows: [])
    private init(rows: [Row]) { self.rows = rows }

    /// Validates rows read from a file with a header (`line` counts the header as line 1).
    public init(header: [String], records: [[String: String]]) throws(ImportError) {
        let columns = Set(header.map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = Self.requiredColumns.filter { !columns.contains($0) }
        guard missing.isEmpty else { throw .missingColumns(missing) }
        let unknown = columns.subtracting(Self.knownColumns).sorted()
        guard unknown.isEmpty else { throw .unknownColumns(unknown) }
        var problems: [Problem] = []
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            let line = index + 2
            func cell(_ name: String) -> String { (record[name] ?? "").trimmingCharacters(in: .whitespaces) }
            func count(_ name: String) -> Int {
                let text = cell(name)
                if text.isEmpty { return 0 }
                guard let n = Int(text), n >= 0 else {
                    problems.append(Problem(line: line, column: name, message: "应为非负整数 / expected a whole number ≥ 0, got \"\(text)\""))
                    return 0
                }
                return n
            }
            let partNumber = cell("part_number")
            for name in Self.requiredColumns where cell(name).isEmpty {
                problems.append(Problem(line: line, column: name, message: "不能为空 / must not be empty"))
            }
            if let earlier = seen[partNumber], !partNumber.isEmpty {
                problems.append(Problem(line: line, column: "part_number", message: "与第 \(earlier) 行重复 / repeats line \(earlier)"))
            }
            seen[partNumber] = line
            if partNumber.uppercased().hasPrefix("KD:") {
                problems.append(Problem(line: line, column: "part_number", message: "不能以 KD: 开头（保留给库位和指令码）/ must not start with KD: (kept for bin and command codes)"))
            }
            let barcodes = cell("barcodes").split(whereSeparator: { $0 == "|" || $0 == ";" })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for code in barcodes where code.uppercased().hasPrefix("KD:") {
                problems.append(Problem(line: line, column: "barcodes", message: "条码 \(code) 不能以 KD: 开头 / barcode \(code) must not start with KD:"))
            }
            let unit = cell("unit")
            let bin = cell("bin")
            let part = Part(partNumber: partNumber, nameZh: cell("name_zh"), nameEn: cell("name_en"),
                            unit: unit.isEmpty ? "个" : unit, safetyStock: count("safety_stock"),
                            reorderPoint: count("reorder_point"), defaultBin: bin.isEmpty ? nil : bin)
            rows.append(Row(part: part, barcodes: barcodes))
        }
        guard problems.isEmpty else { throw .invalidRows(problems) }
        self.rows = rows
    }
}

/// Why an import was refused; nothing was written.
public enum ImportError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingColumns([String])
    case unknownColumns([String])
    case invalidRows([PartsImport.Problem])
    case unreadable(String)

    public var description: String {
        switch self {
        case .missingColumns(let c): "缺少列 missing columns: \(c.joined(separator: ", ")) (required: \(PartsImport.requiredColumns.joined(separator: ", ")))"
        case .unknownColumns(let c): "未知列 unknown columns: \(c.joined(separator: ", ")) (known: \(PartsImport.knownColumns.sorted().joined(separator: ", ")))"
        case .invalidRows(let p): "导入被拒绝，未写入任何数据 / import refused, nothing written:\n" + p.map { "  \($0)" }.joined(separator: "\n")
        case .unreadable(let why): "无法读取 CSV / cannot read the CSV: \(why)"
        }
    }
}

extension Catalog {
    /// Writes an import in one transaction: bins named by rows are created, parts
    /// inserted or updated, barcodes replaced. A barcode owned by another part refuses all.
    @discardableResult
    public func importParts(_ parts: PartsImport) throws -> (parts: Int, barcodes: Int, newBins: Int) {
        try database.pool.write { db in
            var barcodes = 0, newBins = 0
            for row in parts.rows {
                if let bin = row.part.defaultBin, try !Bin.exists(db, key: bin) {
                    try Bin(code: bin).insert(db)
                    newBins += 1
                }
                try row.part.upsert(db)
                try PartBarcode.filter(Column("partNumber") == row.part.partNumber).deleteAll(db)
                for code in row.barcodes {
                    let barcode = PartBarcode.normalized(code: code, partNumber: row.part.partNumber)
                    if let owner = try PartBarcode.fetchOne(db, key: barcode.code), owner.partNumber != row.part.partNumber {
                        throw CatalogError.barcodeBelongsToAnotherPart(code: code, owner: owner.partNumber)
                    }
                    try barcode.upsert(db)
                    barcodes += 1
                }
            }
            return (parts.rows.count, barcodes, newBins)
        }
    }
}
