import Foundation

/// A GS1 element string: what a GS1-128, GS1 DataBar, GS1 DataMatrix, GS1 QR or GS1 DotCode
/// symbol carries, a GS1 Digital Link URI names, or the human-readable form `(01)…(10)…` prints.
///
/// Every rule comes from GS1's Barcode Syntax Dictionary (``GS1SyntaxDictionary``): the AIs and
/// their lengths, character sets and content checks (check digits, dates, country codes …), the
/// AIs an AI requires (`req=`) or excludes (`ex=`), and the Digital Link key qualifiers. Anything
/// that breaks one throws a ``GS1Error`` that names the element and what is wrong.
///
/// ## Topics
/// - ``read(_:dictionary:)``: the counter's entry point (decides whether a scan is GS1 at all)
/// - ``parse(_:dictionary:)``: reads text that is meant to be GS1
/// - ``looksLikeGS1(_:)``
public struct GS1ElementString: Sendable, Hashable {
    /// One application identifier with its value.
    public struct Element: Sendable, Hashable {
        public var ai: String
        public var value: String

        public init(ai: String, value: String) {
            self.ai = ai
            self.value = value
        }
    }

    /// The elements in input order; an AI repeated with the same value is kept once.
    public var elements: [Element]
    /// How the input was read.
    public var reading: GS1Reading

    /// Elements put together in code (e.g. for a label); `reading` is `.bracketed`, the form
    /// ``humanReadable`` prints. The elements are taken as given, not checked.
    public init(elements: [Element]) {
        self.elements = elements
        reading = .bracketed
    }

    init(elements: [Element], reading: GS1Reading) {
        self.elements = elements
        self.reading = reading
    }

    public subscript(ai: String) -> String? { elements.first { $0.ai == ai }?.value }

    /// AI 01, or AI 02 (the GTIN of the contained trade items) when there is no 01.
    public var gtin: String? { self["01"] ?? self["02"] }
    /// AI 10, the batch or lot number.
    public var batch: String? { self["10"] }
    /// AI 21, the serial number.
    public var serial: String? { self["21"] }
    /// AI 00, the SSCC of a logistic unit.
    public var sscc: String? { self["00"] }
    /// The expiry date (AI 17), as written (YYMMDD, DD may be 00).
    public var expiry: String? { self["17"] }
    /// The quantity of AI 30 (variable count) or AI 37 (count of trade items), if any.
    public var count: Int? { (self["30"] ?? self["37"]).flatMap { Int($0) } }

    /// The first trade or logistic measure (AIs 310n–369n): the value with its implied decimal
    /// point (the AI's last digit `n`) and unit, e.g. `(3103)001250` → 1.250 kg.
    public var netQuantity: GS1Measure? {
        for element in elements where element.ai.count == 4 && element.ai.allSatisfy(\.isASCIIDigit) {
            guard let family = Int(element.ai.prefix(3)), let unit = GS1Measure.units[family],
                  let decimals = Int(element.ai.suffix(1)), let digits = Decimal(string: element.value) else { continue }
            var value = Decimal()
            var scaled = digits
            _ = NSDecimalMultiplyByPowerOf10(&value, &scaled, Int16(-decimals), .plain)
            return GS1Measure(ai: element.ai, value: value, unit: unit)
        }
        return nil
    }

    /// The human-readable form, e.g. `(01)09501101530003(10)AB-123`. A `(` inside a value is
    /// written `\(`, as GS1's reference engine does, so that the form parses back to the same
    /// elements.
    public var humanReadable: String {
        elements.map { "(\($0.ai))\($0.value.replacingOccurrences(of: "(", with: "\\("))" }.joined()
    }

    /// The element string as a symbol encodes it, without brackets: a GS (0x1D) ends every value
    /// of an AI without predefined length, unless it is the last (what `gs1_encoder_getDataStr`
    /// gives, without its leading `^`).
    public var elementString: String {
        var text = ""
        for (i, element) in elements.enumerated() {
            text += element.ai + element.value
            let predefined = GS1SyntaxDictionary.standard.entry(for: element.ai)?.hasPredefinedLength ?? false
            if !predefined, i < elements.count - 1 { text.append(Self.groupSeparator) }
        }
        return text
    }

    /// The group separator that ends a variable-length element (FNC1 in the symbol).
    public static let groupSeparator: Character = "\u{1D}"
}

/// How a GS1 element string was read.
public enum GS1Reading: Sendable, Hashable {
    /// Scan data behind an AIM symbology identifier: `]C1` GS1-128, `]e0` GS1 DataBar,
    /// `]d2` GS1 DataMatrix, `]Q3` GS1 QR, `]J1` GS1 DotCode, `]E0`/`]E4` EAN/UPC (read as AI 01).
    case symbologyIdentifier(String)
    /// The human-readable form `(01)…(10)…`.
    case bracketed
    /// A GS1 Digital Link URI (bare, or inside `]Q1`, `]d1`, `]J0`).
    case digitalLink
    /// A raw element string without symbology identifier (a scanner with AIM prefixes off).
    case unprefixed
}

/// What the counter should make of a scan (see ``GS1ElementString/read(_:dictionary:)``).
public enum GS1ScanReading: Sendable, Hashable {
    /// Not GS1: a plain code (part number, EAN-13 without identifier, URL, VIN …).
    case notGS1
    /// A valid GS1 element string.
    case gs1(GS1ElementString)
    /// Marked as GS1 (identifier, brackets, GS, Digital Link key), but not valid.
    case invalid(GS1Error)
}

/// A trade or logistic measure (AIs 310n–369n).
public struct GS1Measure: Sendable, Hashable {
    public var ai: String
    public var value: Decimal
    /// `kg`, `m`, `m²`, `l`, `m³`, `lb`, `in`, `ft`, `yd`, `kg/m²`, `in²`, `ft²`, `yd²`, `ozt`,
    /// `oz`, `qt`, `gal`, `in³`, `ft³`, `yd³`.
    public var unit: String

    public init(ai: String, value: Decimal, unit: String) {
        self.ai = ai
        self.value = value
        self.unit = unit
    }

    /// The unit of each measure family (the AI's first three digits), from the dictionary's titles.
    static let units: [Int: String] = [
        310: "kg", 311: "m", 312: "m", 313: "m", 314: "m²", 315: "l", 316: "m³",
        320: "lb", 321: "in", 322: "ft", 323: "yd", 324: "in", 325: "ft", 326: "yd", 327: "in", 328: "ft", 329: "yd",
        330: "kg", 331: "m", 332: "m", 333: "m", 334: "m²", 335: "l", 336: "m³", 337: "kg/m²",
        340: "lb", 341: "in", 342: "ft", 343: "yd", 344: "in", 345: "ft", 346: "yd", 347: "in", 348: "ft", 349: "yd",
        350: "in²", 351: "ft²", 352: "yd²", 353: "in²", 354: "ft²", 355: "yd²", 356: "ozt", 357: "oz",
        360: "qt", 361: "gal", 362: "qt", 363: "gal", 364: "in³", 365: "ft³", 366: "yd³", 367: "in³", 368: "ft³", 369: "yd³",
    ]
}

/// Why a GS1 code could not be read. The message names the element and the fix.
public enum GS1Error: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case unknownApplicationIdentifier(String, offset: Int)
    case valueTooShort(ai: String, expected: Int, got: Int)
    case valueTooLong(ai: String, maximum: Int, got: Int)
    case invalidCharacters(ai: String, value: String)
    /// A check digit (GTIN, SSCC, GLN …) or check character pair is wrong.
    case badCheckDigit(ai: String, value: String)
    case invalidDate(ai: String, value: String)
    /// Another content check of the dictionary failed (`name` is GS1's linter name).
    case linter(ai: String, name: String, value: String)
    case conflictingValues(ai: String)
    /// The AI needs one of these AIs (or groups joined by `+`) in the same code.
    case pairingRequires(ai: String, oneOf: [String])
    /// The AI must not appear with the other one.
    case pairingExcludes(ai: String, other: String)
    /// A digital signature (8030) needs the serial component of this AI.
    case digitalSignatureNeedsSerial(ai: String)
    case tooManyElements(limit: Int)
    case dataTooLong(limit: Int)
    /// A GS where no element ends (at the start, or two in a row).
    case strayGroupSeparator(offset: Int)
    case bracketedInScanData
    case unsupportedSymbologyIdentifier(String)
    /// A second symbology identifier inside the data.
    case unexpectedSymbologyIdentifier(String)
    /// The symbology identifier marks plain data, not GS1 (e.g. `]Q1` with text).
    case notGS1Data(identifier: String)
    /// EAN/UPC data (`]E0`, `]E4`) of the wrong length or not all digits.
    case invalidPrimaryData(identifier: String, value: String)
    case invalidDigitalLink(String)
    case digitalLinkCharacters
    case digitalLinkNoPrimaryKey
    case digitalLinkEmptyValue(ai: String)
    case digitalLinkKeyQualifierOrder(path: String)
    case digitalLinkDuplicate(ai: String)
    case digitalLinkNotAnAttribute(ai: String)
    case digitalLinkAttributeBelongsInPath(ai: String)
    case digitalLinkUnknownQueryKey(String)
    /// A Syntax Dictionary text that does not parse.
    case dictionary(line: Int, reason: String)

    public var description: String {
        switch self {
        case .empty:
            "GS1 码为空 / empty GS1 code"
        case .unknownApplicationIdentifier(let ai, let offset):
            "未知的 GS1 应用标识符 \(ai)（位置 \(offset)）/ unknown GS1 application identifier at offset \(offset): \(ai)"
        case let .valueTooShort(ai, expected, got):
            "GS1 (\(ai)) 长度不足：至少 \(expected) 位，实际 \(got) 位 / GS1 (\(ai)) too short: needs \(expected) characters, has \(got)"
        case let .valueTooLong(ai, maximum, got):
            "GS1 (\(ai)) 过长：最多 \(maximum) 位，实际 \(got) 位（缺少分隔符 GS?）/ GS1 (\(ai)) too long: at most \(maximum) characters, has \(got) (missing GS separator?)"
        case let .invalidCharacters(ai, value):
            "GS1 (\(ai)) 含非法字符：\(value) / GS1 (\(ai)) has characters not allowed: \(value)"
        case let .badCheckDigit(ai, value):
            "GS1 (\(ai)) 校验位错误：\(value)（请重新扫描或核对标签）/ GS1 (\(ai)) check digit is wrong: \(value) (rescan or check the label)"
        case let .invalidDate(ai, value):
            "GS1 (\(ai)) 日期无效：\(value) / GS1 (\(ai)) is not a valid date: \(value)"
        case let .linter(ai, name, value):
            "GS1 (\(ai)) 内容无效（\(Self.linterZh[name] ?? name)）：\(value) / GS1 (\(ai)) content is invalid (\(Self.linterEn[name] ?? name)): \(value)"
        case .conflictingValues(let ai):
            "GS1 (\(ai)) 出现两次且值不同 / GS1 (\(ai)) appears twice with different values"
        case let .pairingRequires(ai, oneOf):
            "GS1 (\(ai)) 必须与 \(oneOf.joined(separator: " 或 ")) 同时出现 / GS1 (\(ai)) needs \(oneOf.joined(separator: " or ")) in the same code"
        case let .pairingExcludes(ai, other):
            "GS1 (\(ai)) 不能与 (\(other)) 同时出现 / GS1 (\(ai)) must not appear together with (\(other))"
        case .digitalSignatureNeedsSerial(let ai):
            "数字签名 (8030) 要求 (\(ai)) 带序列号部分 / a digital signature (8030) needs (\(ai)) with its serial component"
        case .tooManyElements(let limit):
            "GS1 码元素过多（最多 \(limit) 个）/ too many GS1 elements (at most \(limit))"
        case .dataTooLong(let limit):
            "GS1 码过长（最多 \(limit) 字节）/ GS1 code too long (at most \(limit) bytes)"
        case .strayGroupSeparator(let offset):
            "GS1 码中多余的分隔符 GS（位置 \(offset)）/ stray GS separator at offset \(offset): no element ends there"
        case .bracketedInScanData:
            "扫描数据中不能含括号形式 (AI)；请检查扫描枪设置 / scan data must not hold the bracketed (AI) form; check the scanner's settings"
        case .unsupportedSymbologyIdentifier(let id):
            "不支持的条码标识符 \(id) / unsupported symbology identifier \(id)"
        case .unexpectedSymbologyIdentifier(let id):
            "数据中出现第二个条码标识符 \(id)（扫描枪前缀设置重复？）/ a second symbology identifier \(id) inside the data (prefix configured twice on the scanner?)"
        case .notGS1Data(let id):
            "条码标识符 \(id) 表示普通数据，不是 GS1 / symbology identifier \(id) marks plain data, not GS1"
        case let .invalidPrimaryData(id, value):
            "\(id) EAN/UPC 数据无效：\(value)（应为 13 位或 8 位数字）/ invalid \(id) EAN/UPC data: \(value) (needs 13 or 8 digits)"
        case .invalidDigitalLink(let why):
            "GS1 数字链接无效：\(why) / invalid GS1 Digital Link: \(why)"
        case .digitalLinkCharacters:
            "GS1 数字链接含 URI 不允许的字符 / GS1 Digital Link has characters a URI may not contain"
        case .digitalLinkNoPrimaryKey:
            "GS1 数字链接路径中没有主键（如 /01/…）/ GS1 Digital Link has no primary key (such as /01/…) in its path"
        case .digitalLinkEmptyValue(let ai):
            "GS1 数字链接中 (\(ai)) 没有值 / GS1 Digital Link: (\(ai)) has no value"
        case .digitalLinkKeyQualifierOrder(let path):
            "GS1 数字链接路径的标识符顺序无效：\(path) / GS1 Digital Link: the AIs in the path are not a valid key and qualifier sequence: \(path)"
        case .digitalLinkDuplicate(let ai):
            "GS1 数字链接中 (\(ai)) 出现两次 / GS1 Digital Link: (\(ai)) appears twice"
        case .digitalLinkNotAnAttribute(let ai):
            "GS1 数字链接查询中不允许 (\(ai)) / GS1 Digital Link: (\(ai)) is not allowed as a query attribute"
        case .digitalLinkAttributeBelongsInPath(let ai):
            "GS1 数字链接中 (\(ai)) 应在路径中，而不是查询中 / GS1 Digital Link: (\(ai)) belongs in the path, not in the query"
        case .digitalLinkUnknownQueryKey(let key):
            "GS1 数字链接查询中未知的应用标识符 \(key) / GS1 Digital Link: unknown AI \(key) in the query"
        case let .dictionary(line, reason):
            "GS1 语法字典第 \(line) 行无效：\(reason) / GS1 Syntax Dictionary line \(line) is invalid: \(reason)"
        }
    }

    private static let linterEn: [String: String] = [
        "csumalpha": "check character pair", "gcppos1": "GS1 Company Prefix", "gcppos2": "GS1 Company Prefix",
        "hh": "hour", "mi": "minute", "ss": "second", "hhmi": "time HHMM",
        "iso3166": "ISO 3166 country code", "iso3166999": "ISO 3166 country code or 999",
        "iso3166alpha2": "ISO 3166 two-letter country code", "iso4217": "ISO 4217 currency code",
        "iso5218": "ISO 5218 sex code", "yesno": "0 or 1", "winding": "winding direction 0, 1 or 9",
        "zero": "must be 0", "nonzero": "must not be zero", "nozeroprefix": "no leading zero",
        "hyphen": "must be -", "hasnondigit": "needs a non-digit", "latitude": "latitude", "longitude": "longitude",
        "pcenc": "percent-encoding", "pieceoftotal": "piece of total", "posinseqslash": "position/total",
        "importeridx": "importer index", "mediatype": "AIDC media type", "packagetype": "package type code",
        "iban": "IBAN", "couponcode": "coupon code", "couponposoffer": "positive offer coupon",
    ]

    private static let linterZh: [String: String] = [
        "csumalpha": "校验字符对", "gcppos1": "厂商识别代码", "gcppos2": "厂商识别代码",
        "hh": "小时", "mi": "分钟", "ss": "秒", "hhmi": "时间 HHMM",
        "iso3166": "ISO 3166 国家代码", "iso3166999": "ISO 3166 国家代码或 999",
        "iso3166alpha2": "ISO 3166 两字母国家代码", "iso4217": "ISO 4217 货币代码",
        "iso5218": "ISO 5218 性别代码", "yesno": "0 或 1", "winding": "卷绕方向 0、1 或 9",
        "zero": "必须为 0", "nonzero": "不能为零", "nozeroprefix": "不能以 0 开头",
        "hyphen": "必须为 -", "hasnondigit": "须含非数字字符", "latitude": "纬度", "longitude": "经度",
        "pcenc": "百分号编码", "pieceoftotal": "件号/总件数", "posinseqslash": "序号/总数",
        "importeridx": "进口商索引", "mediatype": "载体类型", "packagetype": "包装类型代码",
        "iban": "IBAN", "couponcode": "优惠券代码", "couponposoffer": "正向优惠券代码",
    ]
}
