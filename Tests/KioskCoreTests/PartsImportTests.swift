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

    @Test("bad rows are listed by line and column, and nothing is written")
    func badRows() throws {
        #expect(throws: ImportError.invalidRows([
            .init(line: 2, column: "safety_stock", message: "应为非负整数 / expected a whole number ≥ 0, got \"-1\""),
            .init(line: 3, column: "name_en", message: "不能为空 / must not be empty"),
        ])) {
            try PartsImport(header: header, records: [
                ["part_number": "P1", "name_zh": "a", "name_en": "b", "safety_stock": "-1"],
                ["part_number": "P2", "name_zh": "a", "name_en": ""],
            ])
        }
        #expect(throws: ImportError.missingColumns(["name_en"])) { try PartsImport(header: ["part_number", "name_zh"], records: []) }
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
