/// A Global Trade Item Number (GTIN-8, UPC-A/GTIN-12, EAN-13, GTIN-14) with a valid check digit.
public struct GTIN: Sendable, Hashable {
    /// The GTIN padded to 14 digits, as GS1 element strings carry it (AI 01).
    public let gtin14: String
    /// The form it was read in: `ean8`, `upca`, `ean13` or `gtin14`.
    public let kind: String

    /// Reads a GTIN; `nil` unless the text is 8, 12, 13 or 14 digits with a valid check digit.
    public init?(_ text: String) {
        // By byte: every scan of a part asks this, and Character's Unicode checks cost more
        // than the rest of the test. Only ASCII digits pass, so bytes and characters agree.
        let length = text.utf8.count
        guard [8, 12, 13, 14].contains(length), GS1CheckDigit.isValid(text) else { return nil }
        gtin14 = String(repeating: "0", count: 14 - length) + text
        kind = switch length {
        case 8: "ean8"
        case 12: "upca"
        case 13: "ean13"
        default: "gtin14"
        }
    }
}

/// The GS1 mod-10 check digit used by GTINs, SSCCs and GLNs.
public enum GS1CheckDigit {
    /// The check digit for the digits given (without the check digit).
    /// Every character must be an ASCII digit.
    public static func compute<S: StringProtocol>(for body: S) -> Int {
        let bytes = Array(body.utf8)
        precondition(bytes.allSatisfy(isDigit), "GS1 check digits are computed over digits only")
        return compute(bytes[...])
    }

    /// Whether the last digit of `digits` is the check digit of the others; `false` when
    /// anything but ASCII digits is there.
    public static func isValid<S: StringProtocol>(_ digits: S) -> Bool {
        let bytes = Array(digits.utf8)
        guard bytes.count >= 2, bytes.allSatisfy(isDigit) else { return false }
        return compute(bytes.dropLast()) == Int(bytes[bytes.count - 1] - 48)
    }

    private static func compute(_ digits: ArraySlice<UInt8>) -> Int {
        var sum = 0
        for (i, byte) in digits.reversed().enumerated() {
            let d = Int(byte - 48)
            sum += i % 2 == 0 ? d * 3 : d
        }
        return (10 - sum % 10) % 10
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
