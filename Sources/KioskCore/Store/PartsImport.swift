import Foundation
import GRDB

/// Parts imported from a table (the `parts import` CSV): one row a part.
///
/// Columns (header names, any order): `part_number` and `name_zh` (required), `name_en`,
/// `unit`, `barcodes` (several separated by `|` or `;`), `bin`, `safety_stock`,
/// `reorder_point`, `unit_cost` (yuan, at most two decimals), `supplier`, `pack_size`,
/// `reorder_target` (optional). The names people use are accepted too (``aliases``:
/// `barcode`, `条码`, `库位`, `零件号`, `安全库存` …), in any case, with or without the BOM
/// that spreadsheet programs put in front. The whole file is checked first; one bad row
/// rejects the file and nothing is written.
public struct PartsImport: Sendable {
    public struct Row: Sendable, Hashable {
        public var part: Part
        public var barcodes: [String]
    }

    /// `name_zh` is needed for a new part only: a sheet of safety stocks for known parts needs
    /// just the part number.
    public static let requiredColumns = ["part_number"]
    public static let knownColumns: Set<String> = ["part_number", "name_zh", "name_en", "unit", "barcodes", "bin", "safety_stock", "reorder_point", "unit_cost", "supplier", "pack_size", "reorder_target"]

    /// Other header names for each column, as parts lists from DMS exports and spreadsheets
    /// name them (compared without case, spaces, `_` or `-`).
    public static let aliases: [String: [String]] = [
        "part_number": ["partnumber", "partno", "part", "零件号", "零件编号", "配件号", "配件编号", "编号", "物料号", "物料编码"],
        "name_zh": ["name", "namezh", "名称", "中文名", "中文名称", "配件名称", "零件名称"],
        "name_en": ["nameen", "englishname", "英文名", "英文名称"],
        "unit": ["单位", "uom"],
        "barcodes": ["barcode", "条码", "条形码", "ean", "gtin", "codes"],
        "bin": ["库位", "货位", "默认库位", "defaultbin", "location"],
        "safety_stock": ["safetystock", "安全库存", "最低库存"],
        "reorder_point": ["reorderpoint", "补货点", "再订货点", "订货点"],
        "unit_cost": ["unitcost", "cost", "成本", "成本价", "进价", "单价"],
        "supplier": ["供应商", "vendor", "厂商"],
        "pack_size": ["packsize", "pack", "包装数", "包装数量", "每包"],
        "reorder_target": ["reordertarget", "补货至", "最高库存", "maxstock"],
    ]

    /// The column a header name stands for, or `nil` when it is not one of ours.
    public static func column(for header: String) -> String? {
        let key = header.replacingOccurrences(of: "\u{FEFF}", with: "").lowercased()
            .filter { !$0.isWhitespace && $0 != "_" && $0 != "-" }
        for name in knownColumns where name.replacingOccurrences(of: "_", with: "") == key { return name }
        return aliases.first { $0.value.contains(key) }?.key
    }

    /// A problem with one cell, named by its line in the file and its column.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: String
        public var message: String
        public var description: String { "第 \(line) 行 line \(line), 列 column \(column): \(message)" }
    }

    public var rows: [Row]
    /// The columns the file has: a part already known keeps what the file does not say
    /// (a sheet of safety stocks leaves names, bins and barcodes as they are).
    public var columns: Set<String>

    /// Rows that say everything about their parts (every column).
    init(rows: [Row], columns: Set<String> = knownColumns) {
        self.rows = rows
        self.columns = columns
    }

    /// A part already known, with only the file's columns taken from `row`.
    func merged(_ row: Part, into known: Part) -> Part {
        var part = known
        if columns.contains("name_zh") { part.nameZh = row.nameZh }
        if columns.contains("name_en") { part.nameEn = row.nameEn }
        if columns.contains("unit") { part.unit = row.unit }
        if columns.contains("safety_stock") { part.safetyStock = row.safetyStock }
        if columns.contains("reorder_point") { part.reorderPoint = row.reorderPoint }
        if columns.contains("bin") { part.defaultBin = row.defaultBin }
        if columns.contains("unit_cost") { part.unitCost = row.unitCost }
        if columns.contains("supplier") { part.supplier = row.supplier }
        if columns.contains("pack_size") { part.packSize = row.packSize }
        if columns.contains("reorder_target") { part.reorderTarget = row.reorderTarget }
        return part
    }

    /// Validates rows read from a file with a header (`line` counts the header as line 1).
    public init(header: [String], records: [[String: String]]) throws(ImportError) {
        var named: [String: String] = [:]     // our column → the file's header
        var unknown: [String] = []
        for original in header {
            guard let column = Self.column(for: original.trimmingCharacters(in: .whitespaces)) else { unknown.append(original); continue }
            if named[column] != nil { throw .duplicateColumn(column, original) }
            named[column] = original
        }
        let missing = Self.requiredColumns.filter { named[$0] == nil }
        guard missing.isEmpty else { throw .missingColumns(missing) }
        guard unknown.isEmpty else { throw .unknownColumns(unknown.sorted()) }
        var problems: [Problem] = []
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (index, record) in records.enumerated() {
            let line = index + 2
            func cell(_ name: String) -> String { named[name].flatMap { record[$0] }?.trimmingCharacters(in: .whitespaces) ?? "" }
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
            for name in Self.requiredColumns + (named["name_zh"] == nil ? [] : ["name_zh"]) where cell(name).isEmpty {
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
            let costText = cell("unit_cost").replacingOccurrences(of: "¥", with: "").replacingOccurrences(of: "￥", with: "")
            let cost = costText.isEmpty ? nil : QuoteLine.fen(fromYuan: costText)
            if !costText.isEmpty, cost == nil {
                problems.append(Problem(line: line, column: "unit_cost", message: "应为元，最多两位小数 / expected yuan with at most two decimals (e.g. 68.50), got \"\(costText)\""))
            }
            let nameEn = cell("name_en")
            let part = Part(partNumber: partNumber, nameZh: cell("name_zh"), nameEn: nameEn.isEmpty ? cell("name_zh") : nameEn,
                            unit: unit.isEmpty ? "个" : unit, safetyStock: count("safety_stock"),
                            reorderPoint: count("reorder_point"), defaultBin: bin.isEmpty ? nil : bin, unitCost: cost,
                            supplier: cell("supplier").isEmpty ? nil : cell("supplier"), packSize: max(1, count("pack_size")),
                            reorderTarget: count("reorder_target"))
            rows.append(Row(part: part, barcodes: barcodes))
        }
        guard problems.isEmpty else { throw .invalidRows(problems) }
        self.rows = rows
        self.columns = Set(named.keys)
    }
}

/// Why an import was refused; nothing was written.
public enum ImportError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingColumns([String])
    case unknownColumns([String])
    case duplicateColumn(String, String)
    case invalidRows([PartsImport.Problem])
    case unreadable(String)

    public var description: String {
        switch self {
        case .missingColumns(let c): "缺少列 missing columns: \(c.joined(separator: ", ")) (required: \(PartsImport.requiredColumns.joined(separator: ", ")))"
        case .unknownColumns(let c): "未知列 unknown columns: \(c.joined(separator: ", ")) (known: \(PartsImport.knownColumns.sorted().joined(separator: ", ")), or names such as 条码, 库位, 零件号)"
        case let .duplicateColumn(column, header): "列 \(header) 与另一列都表示 \(column) / the column \(header) names \(column) a second time: keep one"
        case .invalidRows(let p): "导入被拒绝，未写入任何数据 / import refused, nothing written:\n" + p.map { "  \($0)" }.joined(separator: "\n")
        case .unreadable(let why): "无法读取 CSV / cannot read the CSV: \(why)"
        }
    }
}

extension Catalog {
    /// What an import would do to one row, for `--dry-run`.
    public struct ImportPreview: Sendable, Hashable {
        public var line: Int
        public var partNumber: String
        public var isNew: Bool
        public var newBin: String?
        /// Barcodes another part owns (or an earlier row of the file): the import would be refused.
        public var conflicts: [(code: String, owner: String)]
        /// For a known part: the fields the file changes, and the barcodes it removes.
        public var changes: [String] = []
        public var removedBarcodes: [String] = []
        public static func == (a: Self, b: Self) -> Bool {
            a.line == b.line && a.partNumber == b.partNumber && a.isNew == b.isNew && a.newBin == b.newBin
                && a.conflicts.map(\.code) == b.conflicts.map(\.code) && a.conflicts.map(\.owner) == b.conflicts.map(\.owner)
        }
        public func hash(into hasher: inout Hasher) { hasher.combine(line) }
    }

    /// Reads what an import would do, row by row, and writes nothing.
    public func previewImport(_ parts: PartsImport) throws -> [ImportPreview] {
        try database.pool.read { db in
            var binsSeen = Set<String>()
            var codesInFile: [String: String] = [:]
            return try parts.rows.enumerated().map { index, row in
                var newBin: String?
                if parts.columns.contains("bin"), let bin = row.part.defaultBin, !binsSeen.contains(bin), try !Bin.exists(db, key: bin) {
                    newBin = bin; binsSeen.insert(bin)
                }
                var conflicts: [(String, String)] = []
                for code in row.barcodes {
                    let barcode = PartBarcode.normalized(code: code, partNumber: row.part.partNumber)
                    if let earlier = codesInFile[barcode.code], earlier != row.part.partNumber {
                        conflicts.append((code, earlier))
                    } else if let owner = try PartBarcode.fetchOne(db, key: barcode.code), owner.partNumber != row.part.partNumber {
                        conflicts.append((code, owner.partNumber))
                    }
                    codesInFile[barcode.code] = row.part.partNumber
                }
                let known = try Part.fetchOne(db, key: row.part.partNumber)
                var preview = ImportPreview(line: index + 2, partNumber: row.part.partNumber, isNew: known == nil, newBin: newBin, conflicts: conflicts)
                if let known {
                    let after = parts.merged(row.part, into: known)
                    let fields: [(String, Bool)] = [("name_zh", after.nameZh != known.nameZh), ("name_en", after.nameEn != known.nameEn),
                                                    ("unit", after.unit != known.unit), ("safety_stock", after.safetyStock != known.safetyStock),
                                                    ("reorder_point", after.reorderPoint != known.reorderPoint), ("bin", after.defaultBin != known.defaultBin),
                                                    ("unit_cost", after.unitCost != known.unitCost), ("supplier", after.supplier != known.supplier),
                                                    ("pack_size", after.packSize != known.packSize), ("reorder_target", after.reorderTarget != known.reorderTarget)]
                    preview.changes = fields.filter(\.1).map(\.0)
                    if parts.columns.contains("barcodes") {
                        let kept = Set(row.barcodes.map { PartBarcode.normalized(code: $0, partNumber: row.part.partNumber).code })
                        preview.removedBarcodes = try PartBarcode.filter(Column("partNumber") == row.part.partNumber).fetchAll(db)
                            .map(\.code).filter { !kept.contains($0) }.sorted()
                    }
                }
                return preview
            }
        }
    }

    /// Writes an import in one transaction: bins named by rows are created, parts
    /// inserted or updated, barcodes replaced. A barcode owned by another part refuses all.
    /// `progress` is called with the rows done and the total every 1,000 rows and at the end.
    @discardableResult
    public func importParts(_ parts: PartsImport, progress: ProgressHandler? = nil) throws -> (parts: Int, barcodes: Int, newBins: Int) {
        try database.pool.write { db in
            var barcodes = 0, newBins = 0
            for (index, row) in parts.rows.enumerated() {
                if let progress, index % 1000 == 0 { progress(WorkProgress(phase: "导入 importing", done: index, total: parts.rows.count, unit: "rows")) }
                if parts.columns.contains("bin"), let bin = row.part.defaultBin, try !Bin.exists(db, key: bin) {
                    try Bin(code: bin).insert(db)
                    newBins += 1
                }
                if let known = try Part.fetchOne(db, key: row.part.partNumber) {
                    try parts.merged(row.part, into: known).update(db)
                } else {
                    guard parts.columns.contains("name_zh") else {
                        throw ImportError.invalidRows([PartsImport.Problem(line: index + 2, column: "name_zh",
                                                               message: "新配件 \(row.part.partNumber) 需要名称 / \(row.part.partNumber) is a new part: it needs name_zh")])
                    }
                    try row.part.insert(db)
                }
                // Barcodes are replaced only by a file that has a barcode column.
                guard parts.columns.contains("barcodes") else { continue }
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
            progress?(WorkProgress(phase: "导入 importing", done: parts.rows.count, total: parts.rows.count, unit: "rows"))
            return (parts.rows.count, barcodes, newBins)
        }
    }
}

extension Catalog {
    /// The catalogue as a CSV file `parts import` reads back unchanged: a header with the
    /// import's columns, one row per part (barcodes joined with `|`), fields quoted as
    /// RFC 4180 says. `progress` hears of every 1,000 parts.
    public func exportParts(progress: ProgressHandler? = nil) throws -> (csv: String, parts: Int) {
        try database.pool.read { db in
            var barcodes: [String: [String]] = [:]
            for barcode in try PartBarcode.order(Column("partNumber"), Column("code")).fetchAll(db) {
                barcodes[barcode.partNumber, default: []].append(barcode.code)
            }
            let parts = try Part.order(Column("partNumber")).fetchAll(db)
            var out = "part_number,name_zh,name_en,unit,barcodes,bin,safety_stock,reorder_point,unit_cost,supplier,pack_size,reorder_target\r\n"
            for (index, part) in parts.enumerated() {
                if index % 1000 == 0 { progress?(WorkProgress(phase: "导出 exporting", done: index, total: parts.count, unit: "parts")) }
                let fields = [part.partNumber, part.nameZh, part.nameEn, part.unit, (barcodes[part.partNumber] ?? []).joined(separator: "|"),
                              part.defaultBin ?? "", String(part.safetyStock), String(part.reorderPoint),
                              part.unitCost.map { String(yuanText($0).dropFirst()) } ?? "", part.supplier ?? "", String(part.packSize),
                              String(part.reorderTarget)]
                out += CSVText.record(fields)
            }
            progress?(WorkProgress(phase: "导出 exporting", done: parts.count, total: parts.count, unit: "parts"))
            return (out, parts.count)
        }
    }

}
