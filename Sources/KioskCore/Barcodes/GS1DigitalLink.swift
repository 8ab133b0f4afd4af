/// GS1 Digital Link URIs: `https://host/any/prefix/01/09501101530003/10/AB-123?17=260531`.
///
/// The primary key and its key qualifiers sit in the path, in the order the dictionary's
/// `dlpkey` attribute gives; data attributes (AIs flagged `?`) sit in the query. Rules follow
/// GS1's reference engine (see Tests/GS1/POLICY.md): scheme `http`/`https` in lower or upper
/// case, any host, a path prefix before the key, percent-encoding decoded (`+` is a space only
/// in the query), zero-suppressed GTINs (`/01/` with 8, 12 or 13 digits) refused.
extension GS1ElementString {
    /// The URI split into its parts (the path keeps its leading `/`).
    struct DigitalLinkParts {
        var host: ArraySlice<UInt8>
        var path: ArraySlice<UInt8>
        var query: ArraySlice<UInt8>?
    }

    private static let schemes = ["https://", "HTTPS://", "http://", "HTTP://"].map { Array($0.utf8) }

    /// Whether the text starts with a Digital Link scheme (mixed case such as `Https://` is not one).
    static func isDigitalLinkScheme(_ data: ArraySlice<UInt8>) -> Bool {
        schemes.contains { data.starts(with: $0) }
    }

    static func digitalLinkParts(_ data: ArraySlice<UInt8>) -> DigitalLinkParts? {
        guard let scheme = schemes.first(where: { data.starts(with: $0) }) else { return nil }
        let rest = data.dropFirst(scheme.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        var path = rest[slash...]
        if let hash = path.firstIndex(of: UInt8(ascii: "#")) { path = path[..<hash] }
        var query: ArraySlice<UInt8>?
        if let mark = path.firstIndex(of: UInt8(ascii: "?")) {
            query = path[(mark + 1)...]
            path = path[..<mark]
        }
        return DigitalLinkParts(host: rest[..<slash], path: path, query: query)
    }

    /// The path's segments from the primary key on (AI, value, AI, value …), found by walking
    /// back from the end over `/AI/value` pairs with known AIs until one is a primary key.
    static func digitalLinkPrimaryKeyPath(_ data: ArraySlice<UInt8>, _ dictionary: GS1SyntaxDictionary) -> ArraySlice<ArraySlice<UInt8>>? {
        guard let parts = digitalLinkParts(data) else { return nil }
        let segments = parts.path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var k = segments.count - 2 // segments[0] is the empty text before the leading "/"
        while k >= 1 {
            guard let entry = dictionary.entry(for: String(decoding: segments[k], as: UTF8.self)) else { return nil }
            if dictionary.digitalLinkPathSequences.contains(entry.ai) { return segments[k...] }
            k -= 2
        }
        return nil
    }

    /// Parses a GS1 Digital Link URI.
    static func parseDigitalLink(_ data: ArraySlice<UInt8>, _ dictionary: GS1SyntaxDictionary) throws(GS1Error) -> GS1ElementString {
        guard let parts = digitalLinkParts(data) else {
            if isDigitalLinkScheme(data) { throw .digitalLinkNoPrimaryKey }
            throw .invalidDigitalLink("http:// 或 https:// / http:// or https://")
        }
        guard let keyPath = digitalLinkPrimaryKeyPath(data, dictionary) else { throw .digitalLinkNoPrimaryKey }
        guard data.allSatisfy({ $0 < 128 && uriCharacters[Int($0)] }) else { throw .digitalLinkCharacters }
        guard !parts.host.isEmpty, !parts.host.contains(where: { badHostCharacters.contains($0) }) else {
            throw .invalidDigitalLink("主机名 \(String(decoding: parts.host, as: UTF8.self)) / host \(String(decoding: parts.host, as: UTF8.self))")
        }

        var elements: [Element] = []
        var pathAIs: [String] = []
        var queryAIs: [String] = []
        var parameters = 0
        var i = keyPath.startIndex
        while i + 1 < keyPath.endIndex {
            let ai = String(decoding: keyPath[i], as: UTF8.self)
            let entry = dictionary.entry(for: ai)! // walked over by digitalLinkPrimaryKeyPath
            elements.append(Element(ai: ai, value: try decodedValue(keyPath[i + 1], entry, query: false, dictionary)))
            pathAIs.append(ai)
            i += 2
        }
        for parameter in (parts.query ?? []).split(separator: UInt8(ascii: "&")) {
            parameters += 1
            guard let equals = parameter.firstIndex(of: UInt8(ascii: "=")) else { continue } // not an AI
            let key = parameter[..<equals]
            guard key.allSatisfy(GS1Linters.isDigit) else { continue } // another application's parameter
            let ai = String(decoding: key, as: UTF8.self)
            guard let entry = dictionary.entry(for: ai) else { throw .digitalLinkUnknownQueryKey(ai) }
            elements.append(Element(ai: ai, value: try decodedValue(parameter[(equals + 1)...], entry, query: true, dictionary)))
            queryAIs.append(ai)
        }
        guard pathAIs.count + parameters <= GS1SyntaxDictionary.maximumElements else {
            throw .tooManyElements(limit: GS1SyntaxDictionary.maximumElements)
        }
        guard dictionary.digitalLinkPathSequences.contains(pathAIs.joined(separator: " ")) else {
            throw .digitalLinkKeyQualifierOrder(path: pathAIs.map { "/\($0)" }.joined())
        }
        var seen: Set<String> = []
        for element in elements where !seen.insert(element.ai).inserted { throw .digitalLinkDuplicate(ai: element.ai) }
        for ai in queryAIs {
            guard let entry = dictionary.entry(for: ai), entry.isDigitalLinkAttribute else { throw .digitalLinkNotAnAttribute(ai: ai) }
            for j in 1...pathAIs.count {
                let trial = pathAIs[..<j] + [ai] + pathAIs[j...]
                if dictionary.digitalLinkPathSequences.contains(trial.joined(separator: " ")) {
                    throw .digitalLinkAttributeBelongsInPath(ai: ai)
                }
            }
        }
        try dictionary.checkAssociations(elements)
        return GS1ElementString(elements: elements, reading: .digitalLink)
    }

    /// A path segment or query value, percent-decoded (`%` without two hex digits stays as it
    /// is; in the query `+` is a space), then checked against the AI's rules.
    private static func decodedValue(_ raw: ArraySlice<UInt8>, _ entry: GS1SyntaxDictionary.Entry, query: Bool,
                                     _ dictionary: GS1SyntaxDictionary) throws(GS1Error) -> String {
        guard !raw.isEmpty else { throw .digitalLinkEmptyValue(ai: entry.ai) }
        var value: [UInt8] = []
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "%"), i + 2 < raw.endIndex, let high = hexValue(raw[i + 1]), let low = hexValue(raw[i + 2]) {
                value.append(high << 4 | low)
                i += 3
            } else {
                value.append(query && b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                i += 1
            }
        }
        guard !value.contains(0) else { throw .invalidCharacters(ai: entry.ai, value: String(decoding: raw, as: UTF8.self)) }
        try dictionary.check(entry, value: value[...])
        return String(decoding: value, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }

    /// Characters a URI may hold (RFC 3986 unreserved, reserved and `%`).
    private static let uriCharacters: [Bool] = (0..<128).map { b in
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%".utf8.contains(UInt8(b))
    }

    private static let badHostCharacters = Set("_~?#@!$&'()*+,;=%".utf8)
}
