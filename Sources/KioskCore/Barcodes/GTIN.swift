/// A Global Trade Item Number (GTIN-8, UPC-A/GTIN-12, EAN-13, GTIN-14) with a valid check digit.
public struct GTIN: Sendable, Hashable {
    /// The GTIN padded to 14 digits, as GS1 element strings carry it (AI 01).
    public let gtin14: String
    /// The form it was read in: `ean8`, `upca`, `ean13` or `gtin14`.
    public let kind: String

    /// Reads a GTIN; `nil` unless the text is 8, 12, 13 or 14 digits with a valid check digit.
    public init?(_ text: String) {
        guard [8, 12, 13, 14].contains(text.count), text.allSatisfy(\.isASCIIDigit),
              GS1CheckDigit.isValid(text) else { return nil }
        gtin14 = String(repeating: "0", count: 14 - text.count) + text
        kind = switch text.count {
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
    public static func compute<S: StringProtocol>(for body: S) -> Int {
        var sum = 0
        for (i, ch) in body.reversed().enumerated() {
            let d = Int(ch.asciiValue! - 48)
            sum += i % 2 == 0 ? d * 3 : d
        }
        return (10 - sum % 10) % 10
    }

    /// Whether the last digit of `digits` is the check digit of the others.
    public static func isValid<S: StringProtocol>(_ digits: S) -> Bool {
        guard digits.count >= 2, digits.allSatisfy(\.isASCIIDigit) else { return false }
        return compute(for: digits.dropLast()) == Int(digits.last!.asciiValue! - 48)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
