import GRDB

/// A spare part (配件) as the parts counter knows it.
///
/// Quantities of a part are whole numbers of its ``unit`` (个, 件, 瓶, L…).
/// A threshold of `0` means "not set": no alert is raised for it.
public struct Part: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "part"

    /// The part number (配件编号), unique in the store.
    public var partNumber: String
    /// The name in Simplified Chinese (配件名称).
    public var nameZh: String
    /// The name in English.
    public var nameEn: String
    /// The unit a quantity counts in.
    public var unit: String
    /// Safety stock (安全库存): on hand below this raises an alert.
    public var safetyStock: Int
    /// Reorder point (补货点): on hand at or below this raises an alert.
    public var reorderPoint: Int
    /// The bin a part is received into and issued from when the clerk has not scanned one.
    public var defaultBin: String?
    /// Unit cost (成本价) in fen (分, 1/100 yuan): what the store's stock of it is worth in the
    /// chain's report; nil when not known.
    public var unitCost: Int?
    /// Who the store orders it from (供应商): reorder suggestions are listed per supplier.
    public var supplier: String?
    /// How it is sold (包装数): an order is a whole number of packs.
    public var packSize: Int
    /// How far a reorder fills up (补货至); 0: twice the reorder point.
    public var reorderTarget: Int

    public init(
        partNumber: String, nameZh: String, nameEn: String, unit: String = "个",
        safetyStock: Int = 0, reorderPoint: Int = 0, defaultBin: String? = nil, unitCost: Int? = nil,
        supplier: String? = nil, packSize: Int = 1, reorderTarget: Int = 0
    ) {
        self.unitCost = unitCost
        self.supplier = supplier
        self.packSize = packSize
        self.reorderTarget = reorderTarget
        self.partNumber = partNumber
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.unit = unit
        self.safetyStock = safetyStock
        self.reorderPoint = reorderPoint
        self.defaultBin = defaultBin
    }

    /// The part's columns in the order ``init(orderedRow:)`` reads them.
    static let orderedColumnNames = ["partNumber", "nameZh", "nameEn", "unit", "safetyStock", "reorderPoint", "defaultBin",
                                     "unitCost", "supplier", "packSize", "reorderTarget"]

    /// ``orderedColumnNames`` prefixed with `table.`, for a SELECT: the scan path selects these
    /// and reads them by position; what it selects after them starts at
    /// `orderedColumnNames.count`.
    static func orderedColumns(of table: String) -> String {
        orderedColumnNames.map { "\(table).\($0)" }.joined(separator: ", ")
    }

    /// Reads the columns of ``orderedColumns(of:)`` by position, from the first. A part is
    /// read on every scan, and finding a column by its name (lowercased and hashed each
    /// time) was a tenth of a scan's CPU.
    init(orderedRow row: SteppedRow) {
        partNumber = row[0]
        nameZh = row[1]
        nameEn = row[2]
        unit = row[3]
        safetyStock = row[4]
        reorderPoint = row[5]
        defaultBin = row[orNull: 6]
        unitCost = row[orNull: 7]
        supplier = row[orNull: 8]
        packSize = row[orNull: 9] ?? 1
        reorderTarget = row[orNull: 10] ?? 0
    }

    /// Reads a row by column name (what the Codable decoding would do, at a fraction of the
    /// cost).
    public init(row: Row) throws {
        partNumber = row["partNumber"]
        nameZh = row["nameZh"]
        nameEn = row["nameEn"]
        unit = row["unit"]
        safetyStock = row["safetyStock"]
        reorderPoint = row["reorderPoint"]
        defaultBin = row["defaultBin"]
        unitCost = row["unitCost"]
        supplier = row["supplier"]
        packSize = row["packSize"] ?? 1
        reorderTarget = row["reorderTarget"] ?? 0
    }

    public init(from decoder: any Decoder) throws {
        // Parts pulled from a hub of an earlier version lack the newer fields.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        partNumber = try c.decode(String.self, forKey: .partNumber)
        nameZh = try c.decode(String.self, forKey: .nameZh)
        nameEn = try c.decode(String.self, forKey: .nameEn)
        unit = try c.decode(String.self, forKey: .unit)
        safetyStock = try c.decode(Int.self, forKey: .safetyStock)
        reorderPoint = try c.decode(Int.self, forKey: .reorderPoint)
        defaultBin = try c.decodeIfPresent(String.self, forKey: .defaultBin)
        unitCost = try c.decodeIfPresent(Int.self, forKey: .unitCost)
        supplier = try c.decodeIfPresent(String.self, forKey: .supplier)
        packSize = try c.decodeIfPresent(Int.self, forKey: .packSize) ?? 1
        reorderTarget = try c.decodeIfPresent(Int.self, forKey: .reorderTarget) ?? 0
    }
}

/// A code printed on a part or its box that identifies the part. A part may carry several.
///
/// GTINs (EAN-13, UPC-A, EAN-8, GTIN-14 inside GS1-128 or GS1 QR codes) are stored as
/// 14-digit GTINs, so that a UPC-A on one box and a GS1-128 on another find the same part.
public struct PartBarcode: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "barcode"

    public var code: String
    public var partNumber: String
    public var symbology: String

    public init(code: String, partNumber: String, symbology: String) {
        self.code = code
        self.partNumber = partNumber
        self.symbology = symbology
    }

    /// A barcode as it should be stored: GTIN-8/12/13/14 with a valid check digit becomes a
    /// 14-digit GTIN; any other code is kept as it is.
    public static func normalized(code: String, partNumber: String) -> PartBarcode {
        if let gtin = GTIN(code) {
            return PartBarcode(code: gtin.gtin14, partNumber: partNumber, symbology: gtin.kind)
        }
        return PartBarcode(code: code, partNumber: partNumber, symbology: code.count <= 80 ? "code128" : "qr")
    }
}

/// A storage location (库位) in the parts warehouse, such as `A-01-03`.
public struct Bin: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "bin"

    /// The location code printed on the bin label.
    public var code: String
    /// A description for people (e.g. 机油货架 oil shelf).
    public var label: String

    public init(code: String, label: String = "") {
        self.code = code
        self.label = label
    }

    /// What is printed on a bin label's barcode: the `KD:BIN:` prefix and the code.
    public var labelBarcode: String { "KD:BIN:\(code)" }
}

/// The cached on-hand quantity of one part in one bin, kept in step with the movements.
public struct StockBalance: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "stock_balance"
    public var partNumber: String
    public var binCode: String
    public var quantity: Int

    public init(partNumber: String, binCode: String, quantity: Int) {
        self.partNumber = partNumber
        self.binCode = binCode
        self.quantity = quantity
    }
}
