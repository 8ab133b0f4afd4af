import Synchronization
import Testing
@testable import KioskCore

@Suite("Importing parts")
struct PartsImportTests {
    let header = ["part_number", "name_zh", "name_en", "barcodes", "bin", "safety_stock", "reorder_point"]

    @Test("rows become parts with barcodes and bins, GTINs stored as GTIN-14")
    func importRows() throws {
        let store = try TemporaryStore(seeded: false)
        let parts = try PartsImport(header: header, records: [
            ["part_number": "P1", "name_zh": "刹车片", "name_en": "Brake pad", "barcodes": "6901234567892|PAD-01", "bin": "B-01", "safety_stock": "4", "reorder_point": "6"],
        ])
        let result = try store.database.catalog.importParts(parts)
        #expect(result == (1, 2, 1))
        #expect(try store.database.catalog.barcodes(of: "P1").map(\.code).sorted() == ["06901234567892", "PAD-01"])
        #expect(try store.database.catalog.part("P1")?.safetyStock == 4)
    }

    @Test("the column names people use are accepted: barcode, 条码, 库位, 零件号 …, with a spreadsheet's BOM")
    func aliases() throws {
        let store = try TemporaryStore(seeded: false)
        let parts = try PartsImport(header: ["\u{FEFF}零件号", "名称", "barcode", "库位", "安全库存"], records: [
            ["\u{FEFF}零件号": "P1", "名称": "刹车片", "barcode": "6901234567892", "库位": "B-01", "安全库存": "3"],
        ])
        #expect(parts.rows.first?.part == Part(partNumber: "P1", nameZh: "刹车片", nameEn: "刹车片", safetyStock: 3, defaultBin: "B-01"))
        #expect(parts.rows.first?.barcodes == ["6901234567892"])
        #expect(throws: ImportError.duplicateColumn("barcodes", "条码")) {
            try PartsImport(header: ["part_number", "name_zh", "barcode", "条码"], records: [])
        }
        #expect(throws: ImportError.unknownColumns(["颜色"])) { try PartsImport(header: ["part_number", "name_zh", "颜色"], records: []) }
        _ = store
    }

    @Test("a dry run says per row what would happen and writes nothing; long imports report progress")
    func dryRunAndProgress() throws {
        let store = try TemporaryStore()     // 15400-RTA-003 owns 6901234567892
        let parts = try PartsImport(header: ["part_number", "name_zh", "barcodes", "bin"], records: [
            ["part_number": "15400-RTA-003", "name_zh": "机油滤清器", "barcodes": "6901234567892", "bin": "A-01"],
            ["part_number": "P-NEW", "name_zh": "新件", "barcodes": "6901234567892", "bin": "Z-09"],
        ])
        let preview = try store.database.catalog.previewImport(parts)
        #expect(preview.map(\.isNew) == [false, true])
        #expect(preview[1].newBin == "Z-09" && preview[1].conflicts.map(\.owner) == ["15400-RTA-003"])
        #expect(try store.database.catalog.part("P-NEW") == nil)

        let many = try PartsImport(header: ["part_number", "name_zh"], records: (0..<2500).map { ["part_number": "X\($0)", "name_zh": "件"] })
        let seen = Mutex<[Int]>([])
        try store.database.catalog.importParts(many) { p in seen.withLock { $0.append(p.done) }; #expect(p.total == 2500) }
        #expect(seen.withLock { $0 } == [0, 1000, 2000, 2500])
    }

    @Test("a sheet with some columns changes only those: names, bins and barcodes of known parts stay (found in review)")
    func partialSheet() throws {
        let store = try TemporaryStore()     // 15400-RTA-003: 机油滤清器, A-01, safety 5, reorder 8, two barcodes
        let safety = try PartsImport(header: ["零件号", "安全库存"], records: [["零件号": "15400-RTA-003", "安全库存": "9"]])
        #expect(try store.database.catalog.previewImport(safety).first?.changes == ["safety_stock"])
        try store.database.catalog.importParts(safety)
        let part = try #require(try store.database.catalog.part("15400-RTA-003"))
        #expect(part.safetyStock == 9 && part.nameZh == "机油滤清器" && part.nameEn == "Oil filter" && part.defaultBin == "A-01" && part.reorderPoint == 8)
        #expect(try store.database.catalog.barcodes(of: "15400-RTA-003").count == 2)

        let codes = try PartsImport(header: ["part_number", "name_zh", "barcodes"], records: [
            ["part_number": "15400-RTA-003", "name_zh": "机油滤清器", "barcodes": "6901234567892"],
            ["part_number": "P-NEW", "name_zh": "新件", "barcodes": "NEW-1"],
            ["part_number": "P-NEW2", "name_zh": "新件", "barcodes": "NEW-1"],
        ])
        let preview = try store.database.catalog.previewImport(codes)
        #expect(preview[0].removedBarcodes == ["09501101530003"], "the dry run says which barcodes go")
        #expect(preview[2].conflicts.map(\.owner) == ["P-NEW"], "a barcode twice in the file")
        let unnamed = try PartsImport(header: ["零件号", "安全库存"], records: [["零件号": "P-UNKNOWN", "安全库存": "1"]])
        #expect(throws: ImportError.self, "a new part needs a name") { try store.database.catalog.importParts(unnamed) }
    }

    @Test("a unit cost (成本价) is read as yuan with at most two decimals, kept in fen, changed only by a sheet that has it, and exported as it came")
    func unitCost() throws {
        let store = try TemporaryStore()
        let costs = try PartsImport(header: ["零件号", "成本价"], records: [["零件号": "15400-RTA-003", "成本价": "¥68.5"]])
        #expect(try store.database.catalog.previewImport(costs).first?.changes == ["unit_cost"])
        try store.database.catalog.importParts(costs)
        #expect(try store.database.catalog.part("15400-RTA-003")?.unitCost == 6850)
        #expect(try store.database.catalog.unitCosts() == ["15400-RTA-003": 6850])
        try store.database.catalog.importParts(try PartsImport(header: ["part_number", "safety_stock"], records: [["part_number": "15400-RTA-003", "safety_stock": "3"]]))
        #expect(try store.database.catalog.part("15400-RTA-003")?.unitCost == 6850, "a sheet without costs leaves them")
        #expect(try store.database.catalog.exportParts().csv.contains(",68.50,,1,0\r\n"))
        for bad in ["-1", "1.234", "abc", "1e3"] {
            #expect(throws: ImportError.self, "\(bad)") { try PartsImport(header: ["part_number", "unit_cost"], records: [["part_number": "P1", "unit_cost": bad]]) }
        }
    }

    @Test("bad rows are listed by line and column, and nothing is written")
    func badRows() throws {
        #expect(throws: ImportError.invalidRows([
            .init(line: 2, column: "safety_stock", message: "应为非负整数 / expected a whole number ≥ 0, got \"-1\""),
            .init(line: 3, column: "name_zh", message: "不能为空 / must not be empty"),
        ])) {
            try PartsImport(header: header, records: [
                ["part_number": "P1", "name_zh": "a", "name_en": "b", "safety_stock": "-1"],
                ["part_number": "P2", "name_zh": "", "name_en": "b"],
            ])
        }
        #expect(throws: ImportError.missingColumns(["part_number"])) { try PartsImport(header: ["name_zh", "name_en"], records: []) }
        #expect(throws: ImportError.unknownColumns(["colour"])) { try PartsImport(header: header + ["colour"], records: []) }
    }

    @Test("a barcode already on another part refuses the whole import")
    func barcodeClash() throws {
        let store = try TemporaryStore()
        let parts = try PartsImport(header: header, records: [
            ["part_number": "NEW-1", "name_zh": "新", "name_en": "New", "barcodes": "NEW-CODE"],
            ["part_number": "NEW-2", "name_zh": "新", "name_en": "New", "barcodes": "4006381333931"],
        ])
        #expect(throws: CatalogError.barcodeBelongsToAnotherPart(code: "4006381333931", owner: "08798-9036")) {
            try store.database.catalog.importParts(parts)
        }
        #expect(try store.database.catalog.part("NEW-1") == nil)
    }
}
