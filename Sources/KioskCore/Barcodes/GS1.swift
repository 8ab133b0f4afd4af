import Foundation

/// A GS1 element string read from a GS1-128 barcode, a GS1 QR / DataMatrix code, a GS1
/// Digital Link URI, or its human-readable form `(01)…(10)…`.
///
/// Supported application identifiers: 00 (SSCC), 01 (GTIN), 02 (GTIN of contained items),
/// 10 (batch/lot), 11/13/15/16/17 (dates), 21 (serial), 30 and 37 (counts), 240, 241.
/// Check digits and dates are validated; anything malformed throws a ``GS1Error`` that says
/// which element is wrong and why.
public struct GS1ElementString: Sendable, Hashable {
    /// One application identifier with its value.
    public struct Element: Sendable, Hashable {
        public var ai: String
        public var value: String
    }

    /// The elements in the order they appeared.
    public var elements: [Element]

    public subscript(ai: String) -> String? { elements.first { $0.ai == ai }?.value }

    /// AI 01, or AI 02 when only the contained GTIN is given.
    public var gtin: String? { self["01"] ?? self["02"] }
    public var batch: String? { self["10"] }
    public var serial: String? { self["21"] }
    public var sscc: String? { self["00"] }
    /// The expiry date (AI 17), as written (YYMMDD).
    public var expiry: String? { self["17"] }
    /// The quantity of AI 30 or 37, if any.
    public var count: Int? { (self["30"] ?? self["37"]).flatMap { Int($0) } }

    /// The human-readable form, e.g. `(01)09501101530003(10)AB-123`.
    public var humanReadable: String { elements.map { "(\($0.ai))\($0.value)" }.joined() }

    public init(elements: [Element]) { self.elements = elements }
}

/// Why a GS1 code could not be read. The message names the element and the fix.
public enum GS1Error: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case unknownApplicationIdentifier(String, offset: Int)
    case valueTooShort(ai: String, expected: Int, got: Int)
    case valueTooLong(ai: String, maximum: Int, got: Int)
    case invalidCharacters(ai: String, value: String)
    case badCheckDigit(ai: String, value: String)
    case invalidDate(ai: String, value: String)
    case conflictingValues(ai: String)
    case invalidDigitalLink(String)

    public var description: String {
        switch self {
        case .empty:
            "GS1 码为空 / empty GS1 code"
        case .unknownApplicationIdentifier(let ai, let offset):
            "不支持的 GS1 应用标识符 \(ai)（位置 \(offset)）/ unsupported or unknown GS1 application identifier at offset \(offset): \(ai)"
        case let .valueTooShort(ai, expected, got):
            "GS1 (\(ai)) 长度不足：应为 \(expected) 位，实际 \(got) 位 / GS1 (\(ai)) too short: needs \(expected) characters, has \(got)"
        case let .valueTooLong(ai, maximum, got):
            "GS1 (\(ai)) 过长：最多 \(maximum) 位，实际 \(got) 位（缺少分隔符 GS?）/ GS1 (\(ai)) too long: at most \(maximum) characters, has \(got) (missing GS separator?)"
        case let .invalidCharacters(ai, value):
            "GS1 (\(ai)) 含非法字符：\(value) / GS1 (\(ai)) has characters not allowed: \(value)"
        case let .badCheckDigit(ai, value):
            "GS1 (\(ai)) 校验位错误：\(value) / GS1 (\(ai)) check digit is wrong: \(value)"
        case let .invalidDate(ai, value):
            "GS1 (\(ai)) 日期无效：\(value)（格式 YYMMDD）/ GS1 (\(ai)) is not a valid YYMMDD date: \(value)"
        case .conflictingValues(let ai):
            "GS1 (\(ai)) 出现两次且值不同 / GS1 (\(ai)) appears twice with different values"
        case .invalidDigitalLink(let why):
            "GS1 数字链接无效：\(why) / invalid GS1 Digital Link: \(why)"
        }
    }
}

extension GS1ElementString {
    /// The group separator that ends a variable-length element (FNC1 in the symbol).
    public static let groupSeparator: Character = "\u{1D}"

    private enum Format {
        case numericFixed(Int, check: Bool)
        case date
        case numericVariable(max: Int)
        case alphanumericVariable(max: Int)
    }

    private static let table: [String: Format] = [
        "00": .numericFixed(18, check: true),
        "01": .numericFixed(14, check: true),
        "02": .numericFixed(14, check: true),
        "10": .alphanumericVariable(max: 20),
        "11": .date, "12": .date, "13": .date, "15": .date, "16": .date, "17": .date,
        "21": .alphanumericVariable(max: 20),
        "30": .numericVariable(max: 8),
        "37": .numericVariable(max: 8),
        "240": .alphanumericVariable(max: 30),
        "241": .alphanumericVariable(max: 30),
    ]

    /// Whether text looks like a GS1 code at all (a symbology identifier, the bracketed
    /// human-readable form, a GS separator, or a Digital Link URI), before parsing it.
    public static func looksLikeGS1(_ text: String) -> Bool {
        text.hasPrefix("]C1") || text.hasPrefix("]Q3") || text.hasPrefix("]d2") || text.hasPrefix("]e0")
            || text.hasPrefix("(01)") || text.hasPrefix("(00)") || text.hasPrefix("(02)")
            || text.contains(groupSeparator) || isDigitalLink(text)
    }

    static func isDigitalLink(_ text: String) -> Bool {
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { return false }
        return text.contains("/01/") || text.contains("/00/")
    }

    /// Parses any of the accepted forms.
    public static func parse(_ input: String) throws(GS1Error) -> GS1ElementString {
        var text = input.trimmingCharacters(in: .whitespacesAndNewlines.subtracting(CharacterSet(charactersIn: "\u{1D}")))
        guard !text.isEmpty else { throw .empty }
        if isDigitalLink(text) { return try parseDigitalLink(text) }
        for prefix in ["]C1", "]Q3", "]d2", "]e0"] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
        }
        if text.hasPrefix("(") { return try parseBracketed(text) }
        return try parseElementString(text)
    }

    /// Parses a raw element string: AIs and values, variable-length values ended by GS.
    static func parseElementString(_ text: String) throws(GS1Error) -> GS1ElementString {
        let chars = Array(text)
        var i = 0
        var pairs: [(String, String)] = []
        while i < chars.count {
            if chars[i] == groupSeparator { i += 1; continue }
            let (ai, format) = try identify(chars, at: i)
            i += ai.count
            let value: String
            switch format {
            case .numericFixed(let n, _):
                let end = min(i + n, chars.count)
                value = String(chars[i..<end])
                i = end
            case .date:
                let end = min(i + 6, chars.count)
                value = String(chars[i..<end])
                i = end
            case .numericVariable(let max), .alphanumericVariable(let max):
                var end = i
                while end < chars.count, chars[end] != groupSeparator { end += 1 }
                value = String(chars[i..<end])
                if value.count > max { throw .valueTooLong(ai: ai, maximum: max, got: value.count) }
                i = end
            }
            pairs.append((ai, value))
        }
        return try validated(pairs)
    }

    private static func identify(_ chars: [Character], at i: Int) throws(GS1Error) -> (String, Format) {
        for length in 2...3 where i + length <= chars.count {
            let ai = String(chars[i..<(i + length)])
            if let format = table[ai] { return (ai, format) }
        }
        let shown = String(chars[i..<min(i + 4, chars.count)])
        throw .unknownApplicationIdentifier(shown, offset: i)
    }

    static func parseBracketed(_ text: String) throws(GS1Error) -> GS1ElementString {
        var pairs: [(String, String)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard rest.first == "(", let close = rest.firstIndex(of: ")") else {
                throw .unknownApplicationIdentifier(String(rest.prefix(4)), offset: text.count - rest.count)
            }
            let ai = String(rest[rest.index(after: rest.startIndex)..<close])
            guard table[ai] != nil else {
                throw .unknownApplicationIdentifier(ai, offset: text.count - rest.count)
            }
            rest = rest[rest.index(after: close)...]
            let end = rest.firstIndex(of: "(") ?? rest.endIndex
            pairs.append((ai, String(rest[..<end])))
            rest = rest[end...]
        }
        return try validated(pairs)
    }

    static func parseDigitalLink(_ text: String) throws(GS1Error) -> GS1ElementString {
        guard let url = URLComponents(string: text) else { throw .invalidDigitalLink("not a URI") }
        let segments = url.percentEncodedPath.split(separator: "/").map {
            String($0).removingPercentEncoding ?? String($0)
        }
        // The primary key (01 or 00) and its qualifiers follow any path prefix the resolver uses.
        guard let start = segments.firstIndex(where: { $0 == "01" || $0 == "00" }) else {
            throw .invalidDigitalLink("no /01/ or /00/ primary key in the path")
        }
        let keyed = segments[start...]
        guard keyed.count % 2 == 0 else { throw .invalidDigitalLink("an identifier in the path has no value") }
        var pairs: [(String, String)] = []
        var it = keyed.makeIterator()
        while let ai = it.next(), let value = it.next() {
            guard table[ai] != nil else { throw .unknownApplicationIdentifier(ai, offset: 0) }
            pairs.append((ai, value))
        }
        for item in url.queryItems ?? [] where item.name.allSatisfy(\.isASCIIDigit) {
            guard table[item.name] != nil else { throw .unknownApplicationIdentifier(item.name, offset: 0) }
            guard let value = item.value else { throw .invalidDigitalLink("query \(item.name) has no value") }
            pairs.append((item.name, value))
        }
        // A GTIN in a Digital Link may be written as 8, 12 or 13 digits: pad it to 14.
        pairs = pairs.map { ai, value in
            (ai == "01" || ai == "02") && [8, 12, 13].contains(value.count)
                ? (ai, String(repeating: "0", count: 14 - value.count) + value) : (ai, value)
        }
        return try validated(pairs)
    }

    private static func validated(_ pairs: [(String, String)]) throws(GS1Error) -> GS1ElementString {
        guard !pairs.isEmpty else { throw .empty }
        var seen: [String: String] = [:]
        var elements: [Element] = []
        for (ai, value) in pairs {
            try validate(ai: ai, value: value, format: table[ai]!)
            if let earlier = seen[ai] {
                guard earlier == value else { throw .conflictingValues(ai: ai) }
                continue
            }
            seen[ai] = value
            elements.append(Element(ai: ai, value: value))
        }
        return GS1ElementString(elements: elements)
    }

    private static func validate(ai: String, value: String, format: Format) throws(GS1Error) {
        switch format {
        case .numericFixed(let n, let check):
            guard value.count >= n else { throw .valueTooShort(ai: ai, expected: n, got: value.count) }
            guard value.count == n else { throw .valueTooLong(ai: ai, maximum: n, got: value.count) }
            guard value.allSatisfy(\.isASCIIDigit) else { throw .invalidCharacters(ai: ai, value: value) }
            if check, !GS1CheckDigit.isValid(value) { throw .badCheckDigit(ai: ai, value: value) }
        case .date:
            guard value.count == 6 else { throw .valueTooShort(ai: ai, expected: 6, got: value.count) }
            guard value.allSatisfy(\.isASCIIDigit), isValidDate(value) else { throw .invalidDate(ai: ai, value: value) }
        case .numericVariable(let max):
            guard !value.isEmpty else { throw .valueTooShort(ai: ai, expected: 1, got: 0) }
            guard value.count <= max else { throw .valueTooLong(ai: ai, maximum: max, got: value.count) }
            guard value.allSatisfy(\.isASCIIDigit) else { throw .invalidCharacters(ai: ai, value: value) }
        case .alphanumericVariable(let max):
            guard !value.isEmpty else { throw .valueTooShort(ai: ai, expected: 1, got: 0) }
            guard value.count <= max else { throw .valueTooLong(ai: ai, maximum: max, got: value.count) }
            // GS1 character set 82: printable ASCII except space, `#`, `$`, `@`, `[`, `\`, `]`, `^`, backtick, `{`, `|`, `}`, `~`.
            let allowed = CharacterSet(charactersIn: "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
            guard value.unicodeScalars.allSatisfy(allowed.contains) else { throw .invalidCharacters(ai: ai, value: value) }
        }
    }

    /// YYMMDD with a real month and day; DD = 00 means "end of month" and is allowed.
    static func isValidDate(_ value: String) -> Bool {
        let digits = value.map { Int($0.asciiValue! - 48) }
        let year = digits[0] * 10 + digits[1]
        let month = digits[2] * 10 + digits[3]
        let day = digits[4] * 10 + digits[5]
        guard (1...12).contains(month) else { return false }
        if day == 0 { return true }
        let leap = year % 4 == 0 // two-digit years map to 2000–2099 or 1951–1999; both agree on /4 except 2000, which is leap
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
