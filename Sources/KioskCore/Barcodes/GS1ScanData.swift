/// Reading scan data: AIM symbology identifiers, raw element strings (GS-separated) and the
/// bracketed human-readable form. The policy of ``GS1ElementString/read(_:dictionary:)`` is
/// documented in Tests/GS1/POLICY.md.
extension GS1ElementString {
    /// The longest input read, in bytes (GS1's reference engine holds 8191).
    static let maximumLength = 8190

    /// Symbology identifiers whose data is a GS1 element string.
    static let gs1Identifiers: Set<String> = ["]C1", "]e0", "]d2", "]Q3", "]J1"]
    /// Symbology identifiers of plain (non-GS1) modes whose data may be a Digital Link URI.
    static let plainIdentifiersWithDigitalLink: Set<String> = ["]Q1", "]d1", "]J0"]
    /// Symbologies (AIM letters) whose other modes carry plain data: Code 39, Code 128,
    /// EAN/UPC add-ons, Codabar, Code 93, Code 11, ITF, PDF417, MSI, QR, Data Matrix, DotCode,
    /// Aztec and "other".
    static let plainSymbologies: Set<Character> = ["A", "C", "E", "F", "G", "H", "I", "L", "M", "Q", "d", "J", "z", "X"]

    /// The AIs that may start a raw element string read without symbology identifier: keys that
    /// name a trade item or logistic unit (SSCC, GTIN, contained GTIN, made-to-order GTIN).
    public static let unprefixedKeyAIs: Set<String> = ["00", "01", "02", "03"]

    /// Reads a scan the way the counter does. Text with a GS1 symbology identifier, the bracketed
    /// form `(AI)…`, a GS separator or a GS1 Digital Link URI is GS1 and either parses or is
    /// `.invalid`; EAN/UPC (`]E0`, `]E4`) becomes AI 01; a raw string without identifier is GS1
    /// only when it starts with a key AI (``unprefixedKeyAIs``) and passes every rule; anything
    /// else — plain modes such as `]Q1`/`]C0` with text, plain URLs — is `.notGS1` (use
    /// ``withoutSymbologyIdentifier(_:)`` for the plain text).
    public static func read(_ text: String, dictionary: GS1SyntaxDictionary = .standard) -> GS1ScanReading {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumLength else { return looksLikeGS1(text, dictionary: dictionary) ? .invalid(.dataTooLong(limit: maximumLength)) : .notGS1 }
        if bytes.first == UInt8(ascii: "]") {
            guard bytes.count >= 3 else { return .invalid(.unsupportedSymbologyIdentifier(text)) }
            let identifier = String(decoding: bytes.prefix(3), as: UTF8.self)
            let data = bytes.dropFirst(3)
            if gs1Identifiers.contains(identifier) || identifier == "]E0" || identifier == "]E4" {
                return result { () throws(GS1Error) in try parseScanData(identifier: identifier, data, dictionary) }
            }
            if plainIdentifiersWithDigitalLink.contains(identifier), isDigitalLinkScheme(data) {
                return readDigitalLink(data, dictionary)
            }
            if let second = secondIdentifier(data) { return .invalid(.unexpectedSymbologyIdentifier(second)) }
            if isPlainIdentifier(identifier) { return .notGS1 }
            return .invalid(.unsupportedSymbologyIdentifier(identifier))
        }
        if bytes.first == UInt8(ascii: "("), bracketedAI(bytes[...], dictionary) != nil {
            return result { () throws(GS1Error) in try parseBracketed(bytes[...], dictionary) }
        }
        if isDigitalLinkScheme(bytes[...]) { return readDigitalLink(bytes[...], dictionary) }
        if bytes.contains(0x1D) {
            return result { () throws(GS1Error) in try parseElementString(bytes[...], reading: .unprefixed, dictionary) }
        }
        // A raw element string: only a full, valid parse from a key AI makes it GS1.
        guard let first = dictionary.entry(prefixOf: bytes[...]), unprefixedKeyAIs.contains(first.ai),
              let parsed = try? parseElementString(bytes[...], reading: .unprefixed, dictionary) else { return .notGS1 }
        return .gs1(parsed)
    }

    /// Parses text that is meant to be GS1, in any form: scan data behind a symbology identifier
    /// (`]C1…`, `]E0…`, or a Digital Link inside `]Q1`), the bracketed form `(01)…`, a Digital
    /// Link URI, or a raw element string (AIs and values, GS after variable-length values).
    public static func parse(_ input: String, dictionary: GS1SyntaxDictionary = .standard) throws(GS1Error) -> GS1ElementString {
        let bytes = Array(input.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maximumLength else { throw .dataTooLong(limit: maximumLength) }
        if bytes.first == UInt8(ascii: "]") {
            guard bytes.count >= 3 else { throw .unsupportedSymbologyIdentifier(input) }
            let identifier = String(decoding: bytes.prefix(3), as: UTF8.self)
            let data = bytes.dropFirst(3)
            if gs1Identifiers.contains(identifier) || identifier == "]E0" || identifier == "]E4" {
                return try parseScanData(identifier: identifier, data, dictionary)
            }
            if plainIdentifiersWithDigitalLink.contains(identifier), isDigitalLinkScheme(data) {
                return try parseDigitalLink(data, dictionary)
            }
            if let second = secondIdentifier(data) { throw .unexpectedSymbologyIdentifier(second) }
            if isPlainIdentifier(identifier) { throw .notGS1Data(identifier: identifier) }
            throw .unsupportedSymbologyIdentifier(identifier)
        }
        if bytes.first == UInt8(ascii: "(") { return try parseBracketed(bytes[...], dictionary) }
        if isDigitalLinkScheme(bytes[...]) { return try parseDigitalLink(bytes[...], dictionary) }
        return try parseElementString(bytes[...], reading: .unprefixed, dictionary)
    }

    /// Whether text is marked as GS1 before any value is checked: a GS1 or EAN/UPC symbology
    /// identifier, the bracketed form starting with a known `(AI)`, a GS separator, or a URI
    /// whose path holds a Digital Link primary key.
    public static func looksLikeGS1(_ text: String) -> Bool {
        looksLikeGS1(text, dictionary: .standard)
    }

    static func looksLikeGS1(_ text: String, dictionary: GS1SyntaxDictionary) -> Bool {
        let bytes = Array(text.utf8)
        var data = bytes[...]
        if bytes.first == UInt8(ascii: "]"), bytes.count >= 3 {
            let identifier = String(decoding: bytes.prefix(3), as: UTF8.self)
            if gs1Identifiers.contains(identifier) || identifier == "]E0" || identifier == "]E4" { return true }
            guard plainIdentifiersWithDigitalLink.contains(identifier) else { return false }
            data = bytes.dropFirst(3)
        } else if bytes.first == UInt8(ascii: "("), bracketedAI(data, dictionary) != nil {
            return true
        } else if bytes.contains(0x1D) {
            return true
        }
        return isDigitalLinkScheme(data) && digitalLinkPrimaryKeyPath(data, dictionary) != nil
    }

    /// The text without a leading AIM symbology identifier of a plain mode (`]Q1`, `]C0`,
    /// `]A0` …), for the counter to read as a plain code; other text unchanged.
    public static func withoutSymbologyIdentifier(_ text: String) -> String {
        guard text.hasPrefix("]"), text.utf8.count >= 3 else { return text }
        let identifier = String(text.prefix(3))
        return isPlainIdentifier(identifier) || gs1Identifiers.contains(identifier) ? String(text.dropFirst(3)) : text
    }

    /// `]` + an AIM symbology letter of a plain mode + a modifier character.
    static func isPlainIdentifier(_ identifier: String) -> Bool {
        let chars = Array(identifier)
        guard chars.count == 3, chars[0] == "]", plainSymbologies.contains(chars[1]),
              chars[2].isASCII, chars[2].isLetter || chars[2].isNumber else { return false }
        return !gs1Identifiers.contains(identifier)
    }

    /// A second symbology identifier right after the first (a scanner configured to add one twice).
    private static func secondIdentifier(_ data: ArraySlice<UInt8>) -> String? {
        guard data.first == UInt8(ascii: "]"), data.count >= 3 else { return nil }
        let identifier = String(decoding: data.prefix(3), as: UTF8.self)
        return isPlainIdentifier(identifier) || gs1Identifiers.contains(identifier) || identifier == "]E0" || identifier == "]E4"
            ? identifier : nil
    }

    private static func result(_ body: () throws(GS1Error) -> GS1ElementString) -> GS1ScanReading {
        do { return .gs1(try body()) } catch { return .invalid(error) }
    }

    private static func readDigitalLink(_ data: ArraySlice<UInt8>, _ dictionary: GS1SyntaxDictionary) -> GS1ScanReading {
        do {
            return .gs1(try parseDigitalLink(data, dictionary))
        } catch .digitalLinkNoPrimaryKey {
            return .notGS1 // a plain URL
        } catch {
            return .invalid(error)
        }
    }

    /// Scan data after a symbology identifier.
    static func parseScanData(identifier: String, _ data: ArraySlice<UInt8>, _ dictionary: GS1SyntaxDictionary) throws(GS1Error) -> GS1ElementString {
        guard identifier == "]E0" || identifier == "]E4" else {
            return try parseElementString(data, reading: .symbologyIdentifier(identifier), dictionary)
        }
        // EAN-13/UPC-A (]E0) or EAN-8 (]E4), optionally with a composite component "|]e0…".
        let length = identifier == "]E0" ? 13 : 8
        let primary = data.prefix(length)
        let rest = data.dropFirst(length)
        let shown = String(decoding: data.prefix(length + 1), as: UTF8.self)
        guard primary.count == length, rest.isEmpty || rest.starts(with: "|]e0".utf8),
              primary.allSatisfy(GS1Linters.isDigit) else { throw .invalidPrimaryData(identifier: identifier, value: shown) }
        let digits = String(decoding: primary, as: UTF8.self)
        let gtin = String(repeating: "0", count: 14 - length) + digits
        guard GS1CheckDigit.isValid(digits) else { throw .badCheckDigit(ai: "01", value: gtin) }
        var elements = [Element(ai: "01", value: gtin)]
        if !rest.isEmpty {
            // The composite must stand on its own (as GS1's engine checks it) and with the GTIN.
            let composite = try parseElementString(rest.dropFirst(4), reading: .symbologyIdentifier("]e0"), dictionary)
            elements += composite.elements
        }
        let kept = deduplicated(elements)
        try dictionary.checkAssociations(elements)
        return GS1ElementString(elements: kept, reading: .symbologyIdentifier(identifier))
    }

    /// A raw element string: each AI, then its value up to its predefined length or the next GS.
    static func parseElementString(_ data: ArraySlice<UInt8>, reading: GS1Reading, _ dictionary: GS1SyntaxDictionary) throws(GS1Error) -> GS1ElementString {
        guard !data.isEmpty else { throw .empty }
        let gs: UInt8 = 0x1D
        var elements: [Element] = []
        var p = data.startIndex
        while p < data.endIndex {
            let offset = p - data.startIndex
            guard let entry = dictionary.entry(prefixOf: data[p...]) else {
                let rest = data[p...]
                if rest.first == gs { throw .strayGroupSeparator(offset: offset) }
                if rest.first == UInt8(ascii: "(") { throw .bracketedInScanData }
                if rest.first == UInt8(ascii: "]"), rest.count >= 3 {
                    throw .unexpectedSymbologyIdentifier(String(decoding: rest.prefix(3), as: UTF8.self))
                }
                throw .unknownApplicationIdentifier(String(decoding: rest.prefix(4), as: UTF8.self), offset: offset)
            }
            p += entry.ai.utf8.count
            let valueStart = p
            var end = data[p...].firstIndex(of: gs) ?? data.endIndex
            if entry.hasPredefinedLength { end = min(end, p + entry.maxLength) }
            let used = try dictionary.consume(entry, data[valueStart..<end])
            p = valueStart + used
            if !entry.hasPredefinedLength, p < data.endIndex, data[p] != gs {
                let next = data[p...].firstIndex(of: gs) ?? data.endIndex
                throw .valueTooLong(ai: entry.ai, maximum: entry.maxLength, got: next - valueStart)
            }
            elements.append(Element(ai: entry.ai, value: String(decoding: data[valueStart..<p], as: UTF8.self)))
            guard elements.count <= GS1SyntaxDictionary.maximumElements else {
                throw .tooManyElements(limit: GS1SyntaxDictionary.maximumElements)
            }
            if p < data.endIndex, data[p] == gs { p += 1 } // also allowed after a predefined length
        }
        try dictionary.checkAssociations(elements)
        return GS1ElementString(elements: deduplicated(elements), reading: reading)
    }

    /// The AI of a bracketed form's first `(AI)`, if the dictionary knows it.
    static func bracketedAI(_ data: ArraySlice<UInt8>, _ dictionary: GS1SyntaxDictionary) -> GS1SyntaxDictionary.Entry? {
        guard data.first == UInt8(ascii: "("), let close = data.prefix(6).firstIndex(of: UInt8(ascii: ")")) else { return nil }
        return dictionary.entry(for: String(decoding: data[(data.startIndex + 1)..<close], as: UTF8.self))
    }

    /// The bracketed form: `(AI)value…`, with `\(` for a `(` inside a value.
    static func parseBracketed(_ data: ArraySlice<UInt8>, _ dictionary: GS1SyntaxDictionary) throws(GS1Error) -> GS1ElementString {
        let open = UInt8(ascii: "("), close = UInt8(ascii: ")"), backslash = UInt8(ascii: "\\")
        guard !data.isEmpty else { throw .empty }
        var elements: [Element] = []
        var p = data.startIndex
        while p < data.endIndex {
            let offset = p - data.startIndex
            guard data[p] == open, let aiEnd = data[(p + 1)...].firstIndex(of: close) else {
                throw .unknownApplicationIdentifier(String(decoding: data[p...].prefix(5), as: UTF8.self), offset: offset)
            }
            let ai = String(decoding: data[(p + 1)..<aiEnd], as: UTF8.self)
            guard let entry = dictionary.entry(for: ai) else { throw .unknownApplicationIdentifier(ai, offset: offset) }
            p = aiEnd + 1
            guard p < data.endIndex else { throw .valueTooShort(ai: ai, expected: entry.minLength, got: 0) }
            var value: [UInt8] = []
            while p < data.endIndex, data[p] != open || value.last == backslash {
                if data[p] == open { value.removeLast() } // "\(" is a "(" in the value
                value.append(data[p])
                p += 1
            }
            try dictionary.check(entry, value: value[...])
            elements.append(Element(ai: ai, value: String(decoding: value, as: UTF8.self)))
            guard elements.count <= GS1SyntaxDictionary.maximumElements else {
                throw .tooManyElements(limit: GS1SyntaxDictionary.maximumElements)
            }
        }
        try dictionary.checkAssociations(elements)
        return GS1ElementString(elements: deduplicated(elements), reading: .bracketed)
    }

    /// Keeps the first of each AI repeated with the same value (different values were refused).
    static func deduplicated(_ elements: [Element]) -> [Element] {
        var seen: Set<Element> = []
        return elements.filter { seen.insert($0).inserted }
    }
}
