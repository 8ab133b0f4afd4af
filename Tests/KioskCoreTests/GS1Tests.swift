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
    }

    @Test("GS1 QR with ]Q3, SSCC, serial, counts and customer part number")
    func gs1QR() throws {
        let parsed = try GS1ElementString.parse("]Q300106141411234567897\(gs)0209501101530003375\(gs)21SN-9\(gs)241KD-CUST")
        #expect(parsed.sscc == "106141411234567897")
        #expect(parsed.gtin == "09501101530003")
        #expect(parsed.count == 5)
        #expect(parsed.serial == "SN-9")
        #expect(parsed["241"] == "KD-CUST")
    }

    @Test("all supported AIs in the bracketed form")
    func bracketed() throws {
        let parsed = try GS1ElementString.parse("(01)09501101530003(11)250101(17)261200(10)L1(21)S1(30)12(240)ADD-1")
        #expect(parsed.elements.map(\.ai) == ["01", "11", "17", "10", "21", "30", "240"])
        #expect(parsed.count == 12)
    }

    @Test("GS1 Digital Link URIs, with qualifiers in the path and data attributes in the query")
    func digitalLink() throws {
        let parsed = try GS1ElementString.parse("https://id.gs1.org/01/09501101530003/10/AB%2D123?17=260531&30=4")
        #expect(parsed.gtin == "09501101530003")
        #expect(parsed.batch == "AB-123")
        #expect(parsed.expiry == "260531")
        #expect(parsed.count == 4)
        let short = try GS1ElementString.parse("https://example.com/shop/01/4006381333931")
        #expect(short.gtin == "04006381333931", "a GTIN-13 in a link is padded to 14 digits")
    }

    @Test("malformed codes give a precise error", arguments: [
        ("]C1010950110153000410AB", GS1Error.badCheckDigit(ai: "01", value: "09501101530004")),
        ("]C101095011015300", .valueTooShort(ai: "01", expected: 14, got: 12)),
        ("]C1010950110153000317261332", .invalidDate(ai: "17", value: "261332")),
        ("]C1010950110153000317260230", .invalidDate(ai: "17", value: "260230")),
        ("]C19901234", .unknownApplicationIdentifier("9901", offset: 0)),
        ("]C110ABCDEFGHIJKLMNOPQRSTUVWXYZ", .valueTooLong(ai: "10", maximum: 20, got: 26)),
        ("]C110AB CD", .invalidCharacters(ai: "10", value: "AB CD")),
        ("]C130", .valueTooShort(ai: "30", expected: 1, got: 0)),
        ("(01)09501101530003(01)09501101530010", .conflictingValues(ai: "01")),
        ("https://id.gs1.org/01/", .invalidDigitalLink("an identifier in the path has no value")),
        ("]C1", .empty),
    ])
    func malformed(input: String, error: GS1Error) {
        #expect(throws: error) { try GS1ElementString.parse(input) }
    }

    @Test("the end-of-month day 00 and leap days are valid dates")
    func dates() {
        #expect(GS1ElementString.isValidDate("261200"))
        #expect(GS1ElementString.isValidDate("240229"))
        #expect(!GS1ElementString.isValidDate("250229"))
        #expect(!GS1ElementString.isValidDate("250001"))
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
        var rng = SplitMix(seed: UInt64(seed))
        let alphabet = Array("0123456789()ABC-/%?=&:\u{1D}]CQ3https.")
        let text = String((0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        _ = try? GS1ElementString.parse(text)
        _ = try? GS1ElementString.parse("]C1" + text)
        _ = ScanClassifier.classify(text)
    }
}

/// A tiny deterministic generator for the fuzz cases.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
