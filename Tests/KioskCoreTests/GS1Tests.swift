import Foundation
import Testing
@testable import KioskCore

@Suite("GS1 element strings")
struct GS1Tests {
    let gs = "\u{1D}"

    @Test("GS1-128 with the ]C1 identifier and a GS after a variable-length element")
    func gs1_128() throws {
        let parsed = try GS1ElementString.parse("]C1010950110153000310AB-123\(gs)17260531")
        #expect(parsed.gtin == "09501101530003")
        #expect(parsed.batch == "AB-123")
        #expect(parsed.expiry == "260531")
        #expect(parsed.humanReadable == "(01)09501101530003(10)AB-123(17)260531")
        #expect(parsed.reading == .symbologyIdentifier("]C1"))
    }

    @Test("GS1 QR with ]Q3: SSCC, contained GTIN, count and customer part number")
    func gs1QR() throws {
        let parsed = try GS1ElementString.parse("]Q300106141411234567897\(gs)0209501101530003375\(gs)241KD-CUST")
        #expect(parsed.sscc == "106141411234567897")
        #expect(parsed.gtin == "09501101530003")
        #expect(parsed.count == 5)
        #expect(parsed["241"] == "KD-CUST")
    }

    @Test("the bracketed form, with any AI the dictionary knows")
    func bracketed() throws {
        let parsed = try GS1ElementString.parse("(01)09501101530003(11)250101(17)261200(10)L1(21)S1(30)12(240)ADD-1")
        #expect(parsed.elements.map(\.ai) == ["01", "11", "17", "10", "21", "30", "240"])
        #expect(parsed.serial == "S1")
        #expect(parsed.count == 12)
        #expect(try GS1ElementString.parse("(99)INTERNAL").elements == [.init(ai: "99", value: "INTERNAL")])
    }

    @Test("a ( inside a value is escaped as \\( in the human-readable form, which parses back to the same elements")
    func escapedParenthesis() throws {
        let parsed = try GS1ElementString.parse("(01)09501101530003(10)AB\\(CD(21)X)Y")
        #expect(parsed.batch == "AB(CD")
        #expect(parsed.serial == "X)Y")
        #expect(parsed.humanReadable == "(01)09501101530003(10)AB\\(CD(21)X)Y")
        #expect(try GS1ElementString.parse(parsed.humanReadable) == parsed)
    }

    @Test("the element string puts a GS after variable-length values only, never at the end")
    func elementString() throws {
        let parsed = try GS1ElementString.parse("(01)09501101530003(3103)001250(10)L1(21)S1")
        #expect(parsed.elementString == "0109501101530003310300125010L1\(gs)21S1")
        #expect(try GS1ElementString.parse("]C1" + parsed.elementString).elements == parsed.elements)
    }

    @Test("net quantity from a trade measure: the AI's last digit is the decimal point")
    func netQuantity() throws {
        let weight = try #require(try GS1ElementString.parse("(01)09501101530003(3103)001250").netQuantity)
        #expect(weight == GS1Measure(ai: "3103", value: Decimal(string: "1.25")!, unit: "kg"))
        let litres = try GS1ElementString.parse("(01)09501101530003(3150)000002").netQuantity
        #expect(litres?.value == 2 && litres?.unit == "l")
        #expect(try GS1ElementString.parse("(01)09501101530003").netQuantity == nil)
    }

    @Test("GS1 Digital Link URIs: key and qualifiers in the path, attributes in the query")
    func digitalLink() throws {
        let parsed = try GS1ElementString.parse("https://id.gs1.org/01/09501101530003/10/AB%2D123?17=260531&30=4")
        #expect(parsed.gtin == "09501101530003")
        #expect(parsed.batch == "AB-123")
        #expect(parsed.expiry == "260531")
        #expect(parsed.count == 4)
        #expect(parsed.reading == .digitalLink)
        let prefixed = try GS1ElementString.parse("HTTPS://EXAMPLE.COM/shop/01/09501101530003/10/L1/21/S1?linkType=all")
        #expect(prefixed.humanReadable == "(01)09501101530003(10)L1(21)S1", "any host, a path prefix, other query parameters ignored")
    }

    @Test("Digital Link URIs the reference engine refuses are refused", arguments: [
        ("https://id.gs1.org/01/4006381333931", GS1Error.valueTooShort(ai: "01", expected: 14, got: 13)),
        ("https://id.gs1.org/01/09501101530003/21/S1/10/L1", .digitalLinkKeyQualifierOrder(path: "/01/21/10")),
        ("https://id.gs1.org/01/09501101530003?10=L1", .digitalLinkAttributeBelongsInPath(ai: "10")),
        ("https://id.gs1.org/01/09501101530003?17=260531&17=260531", .digitalLinkDuplicate(ai: "17")),
        ("https://id.gs1.org/01/09501101530003?123=4", .digitalLinkUnknownQueryKey("123")),
        ("https://id.gs1.org/8010/4012AB?8011=123", .digitalLinkNotAnAttribute(ai: "8011")),
        ("https://id.gs1.org/01/", .digitalLinkEmptyValue(ai: "01")),
        ("https://id.gs1.org/10/L1", .digitalLinkNoPrimaryKey),
        ("https://id.gs1.org/01/09501101530003/10/A B", .digitalLinkCharacters),
        ("https://id.gs1.org/01/09501101530003/10/A%FF", .invalidCharacters(ai: "10", value: "A\u{FFFD}")),
        ("https://id.gs1.org/01/09501101530003/235/TPX?10=A+B", .invalidCharacters(ai: "10", value: "A B")),
    ])
    func digitalLinkRefused(input: String, error: GS1Error) {
        #expect(throws: error) { try GS1ElementString.parse(input) }
    }

    @Test("malformed codes give a precise error", arguments: [
        ("]C1010950110153000410AB", GS1Error.badCheckDigit(ai: "01", value: "09501101530004")),
        ("]C101095011015300", .valueTooShort(ai: "01", expected: 14, got: 12)),
        ("]C1010950110153000317261332", .invalidDate(ai: "17", value: "261332")),
        ("]C1010950110153000317260230", .invalidDate(ai: "17", value: "260230")),
        ("]C14712345", .unknownApplicationIdentifier("4712", offset: 0)),
        ("]C10109501101530003" + "10ABCDEFGHIJKLMNOPQRSTUVWXYZ", .valueTooLong(ai: "10", maximum: 20, got: 26)),
        ("]C10109501101530003" + "10AB CD", .invalidCharacters(ai: "10", value: "AB CD")),
        ("]C10109501101530003" + "30", .valueTooShort(ai: "30", expected: 1, got: 0)),
        ("(01)09501101530003(01)09501101530010", .conflictingValues(ai: "01")),
        ("(01)09501101530003(422)277", .linter(ai: "422", name: "iso3166", value: "277")),
        ("(8013)4012ABCZR", .badCheckDigit(ai: "8013", value: "4012ABCZR")),
        ("(01)09501101530003(8008)250101126059", .linter(ai: "8008", name: "mi", value: "250101126059")),
        ("]C1", .empty),
        ("]C1\u{1D}0109501101530003", .strayGroupSeparator(offset: 0)),
        ("]C10109501101530003\u{1D}\u{1D}10AB", .strayGroupSeparator(offset: 17)),
        ("]C1(01)09501101530003", .bracketedInScanData),
        ("]C1]C10109501101530003", .unexpectedSymbologyIdentifier("]C1")),
        ("]ZZ0109501101530003", .unsupportedSymbologyIdentifier("]ZZ")),
        ("]Q1TESTING", .notGS1Data(identifier: "]Q1")),
        ("]E06901234567893", .badCheckDigit(ai: "01", value: "06901234567893")),
    ])
    func malformed(input: String, error: GS1Error) {
        #expect(throws: error) { try GS1ElementString.parse(input) }
    }

    @Test("pairing rules from the dictionary: req= and ex=", arguments: [
        ("(01)09501101530003(37)12", GS1Error.pairingExcludes(ai: "01", other: "37")),
        ("(02)09501101530003", .pairingRequires(ai: "02", oneOf: ["37"])),
        ("(12)260101", .pairingRequires(ai: "12", oneOf: ["8020"])),
        ("(10)LOT", .pairingRequires(ai: "10", oneOf: ["01", "02", "03", "8006", "8026"])),
        ("(01)09501101530003(3103)001250(3102)012500", .pairingExcludes(ai: "3102", other: "3103")),
        ("(01)09501101530003(7004)1234", .pairingRequires(ai: "7004", oneOf: ["01+10"])),
        ("(8030)ABC(253)4012345000009", .digitalSignatureNeedsSerial(ai: "253")),
    ])
    func pairing(input: String, error: GS1Error) {
        #expect(throws: error) { try GS1ElementString.parse(input) }
    }

    @Test("pairing rules that hold are accepted")
    func pairingSatisfied() throws {
        #expect(try GS1ElementString.parse("(00)106141411234567897(02)09501101530003(37)12").count == 12)
        #expect(try GS1ElementString.parse("(12)260101(8020)ABC(415)4012345000009")["12"] == "260101")
        #expect(try GS1ElementString.parse("(01)09501101530003(3103)001250(3103)001250").elements.count == 2,
                "an AI repeated with the same value is kept once")
    }

    @Test("dates: day 00 where the dictionary allows it, 29 February in leap years only")
    func dates() throws {
        #expect(try GS1ElementString.parse("(01)09501101530003(17)261200").expiry == "261200")
        #expect(try GS1ElementString.parse("(01)09501101530003(17)240229").expiry == "240229")
        #expect(throws: GS1Error.invalidDate(ai: "17", value: "250229")) { try GS1ElementString.parse("(01)09501101530003(17)250229") }
        #expect(throws: GS1Error.invalidDate(ai: "17", value: "250001")) { try GS1ElementString.parse("(01)09501101530003(17)250001") }
        #expect(throws: GS1Error.invalidDate(ai: "7006", value: "250100")) { try GS1ElementString.parse("(01)09501101530003(7006)250100") }
    }

    @Test("what the counter reads as GS1, as a plain code, or as an invalid GS1 code", arguments: [
        ("0106901234567892102026A", "gs1 (01)06901234567892(10)2026A"),
        ("10ABC123", "plain"),
        ("6901234567892", "plain"),
        ("4012345000009", "plain"),
        ("99ABC", "plain"),
        ("0106901234567893102026A", "plain"),
        ("]C10106901234567892102026A", "gs1 (01)06901234567892(10)2026A"),
        ("]E06901234567892", "gs1 (01)06901234567892"),
        ("]E495012346", "gs1 (01)00000095012346"),
        ("]E3978020137962412", "plain"),
        ("]Q1TESTING", "plain"),
        ("]A01M8GDM9AXKP042788", "plain"),
        ("]Q1https://id.gs1.org/01/09501101530003", "gs1 (01)09501101530003"),
        ("https://example.com/manual.pdf", "plain"),
        ("https://id.gs1.org/01/09501101530003/10/L1", "gs1 (01)09501101530003(10)L1"),
        ("https://id.gs1.org/01/4006381333931", "invalid"),
        ("(01)09501101530003(10)L1", "gs1 (01)09501101530003(10)L1"),
        ("(555) 123", "plain"),
        ("(10)L1", "invalid"),
        ("10L1\u{1D}17260531", "invalid"),
        ("]C1]C10109501101530003", "invalid"),
        ("]Q1]C10109501101530003", "invalid"),
        ("]ZZabc", "invalid"),
    ])
    func read(input: String, expected: String) {
        let shown = switch GS1ElementString.read(input) {
        case .gs1(let parsed): "gs1 \(parsed.humanReadable)"
        case .notGS1: "plain"
        case .invalid: "invalid"
        }
        #expect(shown == expected)
    }

    @Test("how a code was read")
    func readings() throws {
        guard case .gs1(let label) = GS1ElementString.read("0106901234567892102026A") else { Issue.record("not read"); return }
        #expect(label.reading == .unprefixed)
        guard case .gs1(let ean) = GS1ElementString.read("]E06901234567892") else { Issue.record("not read"); return }
        #expect(ean.reading == .symbologyIdentifier("]E0"))
        guard case .gs1(let link) = GS1ElementString.read("]Q1https://id.gs1.org/01/09501101530003") else { Issue.record("not read"); return }
        #expect(link.reading == .digitalLink)
        #expect(GS1ElementString.read("]C1]C10109501101530003") == .invalid(.unexpectedSymbologyIdentifier("]C1")))
    }

    @Test("explicit GS1 markers, and the plain text behind a plain-mode identifier")
    func markers() {
        #expect(GS1ElementString.looksLikeGS1("]C10109501101530003"))
        #expect(GS1ElementString.looksLikeGS1("(241)KD-CUST"))
        #expect(GS1ElementString.looksLikeGS1("10ABC\u{1D}"))
        #expect(GS1ElementString.looksLikeGS1("https://example.com/shop/01/09501101530003"))
        #expect(!GS1ElementString.looksLikeGS1("0106901234567892102026A"), "no marker: only read(_:) decides")
        #expect(!GS1ElementString.looksLikeGS1("https://example.com/manual.pdf"))
        #expect(!GS1ElementString.looksLikeGS1("(555) 123"))
        #expect(GS1ElementString.withoutSymbologyIdentifier("]A01M8GDM9AXKP042788") == "1M8GDM9AXKP042788")
        #expect(GS1ElementString.withoutSymbologyIdentifier("]Q1TESTING") == "TESTING")
        #expect(GS1ElementString.withoutSymbologyIdentifier("15400-RTA-003") == "15400-RTA-003")
    }

    @Test("the embedded Syntax Dictionary, and loading another one")
    func dictionary() throws {
        let standard = GS1SyntaxDictionary.standard
        #expect(standard.release == "2026-01-27")
        #expect(standard.entry(for: "01")?.hasPredefinedLength == true)
        #expect(standard.entry(for: "3103")?.excludes == ["310n"])
        #expect(standard.entry(for: "01")?.digitalLinkQualifiers == [["22", "10", "21"], ["235"]])
        #expect(standard.entry(for: "3106") == nil)
        let tiny = try GS1SyntaxDictionary(text: """
            01  *?  N14,csum  dlpkey=10  # GTIN
            10   ?  X..5      req=01     # BATCH/LOT
            """)
        #expect(try GS1ElementString.parse("(01)09501101530003(10)ABCDE", dictionary: tiny).batch == "ABCDE")
        #expect(throws: GS1Error.valueTooLong(ai: "10", maximum: 5, got: 6)) {
            try GS1ElementString.parse("(01)09501101530003(10)ABCDEF", dictionary: tiny)
        }
        #expect(throws: GS1Error.dictionary(line: 1, reason: "bad AI or range 1")) { try GS1SyntaxDictionary(text: "1 N5") }
        #expect(throws: GS1Error.dictionary(line: 0, reason: "AI 01 is a prefix of AI 011")) {
            try GS1SyntaxDictionary(text: "01 N2\n011 N3")
        }
    }

    @Test("GTIN check digits: EAN-13, UPC-A, EAN-8 and GTIN-14")
    func gtins() {
        #expect(GTIN("6901234567892")?.gtin14 == "06901234567892")
        #expect(GTIN("036000291452")?.kind == "upca")
        #expect(GTIN("96385074")?.kind == "ean8")
        #expect(GTIN("6901234567893") == nil)
        #expect(GTIN("12345") == nil)
    }

    @Test("arbitrary bytes never crash the parser", arguments: 0..<200)
    func fuzz(seed: Int) {
        var rng = SplitMix(state: UInt64(seed))
        let alphabet = Array("0123456789()ABC-/%?=&:\u{1D}]CQ3https.\\E0d1#+")
        let text = String((0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        _ = try? GS1ElementString.parse(text)
        _ = try? GS1ElementString.parse("]C1" + text)
        _ = GS1ElementString.read(text)
        _ = GS1ElementString.read("https://id.gs1.org/01/09501101530003/" + text)
        _ = ScanClassifier.classify(text)
    }
}
