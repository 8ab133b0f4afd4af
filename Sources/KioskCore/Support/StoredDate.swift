import Foundation

/// The text GRDB stores a `Date` as (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), made without a
/// `DateFormatter`: on the scan path the formatter's ICU call cost more than the rest of the
/// row's encoding. A test checks it against GRDB's own text over many dates.
enum StoredDate {
    static func text(_ date: Date) -> String {
        // Rounded to the nearest millisecond, from the reference date, as the formatter does.
        let milliseconds = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000).rounded())
        let (days, msOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, ms) = msOfDay < 0 ? (days - 1, msOfDay + 86_400_000) : (days, msOfDay)
        // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let fields: [(Int64, Int)] = [(y, 4), (m, 2), (d, 2), (ms / 3_600_000, 2), (ms / 60_000 % 60, 2), (ms / 1000 % 60, 2), (ms % 1000, 3)]
        let separators: [UInt8] = [UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "."), 0]
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var i = 0
            for (index, (value, width)) in fields.enumerated() {
                var v = value
                for position in stride(from: width - 1, through: 0, by: -1) {
                    buffer[i + position] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
                i += width
                if separators[index] != 0 { buffer[i] = separators[index]; i += 1 }
            }
            return i
        }
    }
}

extension StoredDate {
    /// A `yyyy-MM-dd` day as the proleptic Gregorian calendar has it; nil for anything else.
    static func dayDate(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m) else { return nil }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard (1...days).contains(d) else { return nil }
        return DateComponents(year: y, month: m, day: d)
    }

    /// The calendar day of `date` on this board's clock (`yyyy-MM-dd`), for comparing with
    /// printed dates such as a GS1 expiry.
    static func day(_ date: Date, calendar: Calendar = .current) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}

/// Dates on the wire (sync pushes and pulls, the API, the ledger): ISO 8601 in UTC with
/// milliseconds (`2026-12-02T21:03:21.456Z`), the precision the store keeps, so a movement's
/// time at the hub is the time the device recorded. Whole-second dates are read too.
public enum WireDate {
    /// `date` as the wire writes it, rounded to the millisecond as the store is.
    public static func text(_ date: Date) -> String {
        var text = StoredDate.text(date)
        text.replaceSubrange(text.index(text.startIndex, offsetBy: 10)...text.index(text.startIndex, offsetBy: 10), with: "T")
        return text + "Z"
    }

    /// The dates the wire carries: from 1970 to the end of 9999. Earlier dates are no time a
    /// board recorded, and before 1583 the parser's calendar (Julian before the Gregorian
    /// reform) and the store's (proleptic Gregorian) name different days, so such a date would
    /// not come back as it went (found by the push-body fuzz target: 1013-01-02 came back as
    /// 1013-01-08).
    public static let range = Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 253_402_300_799.999)

    /// A wire date, with or without fractional seconds; nil when it is not ISO 8601 or falls
    /// outside ``range``.
    public static func date(_ text: String) -> Date? {
        let parsed = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        guard let parsed, range.contains(parsed) else { return nil }
        return parsed
    }

    public static let encoding = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(text(date))
    }

    public static let decoding = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = date(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not an ISO 8601 date from 1970 to 9999 such as 2026-12-02T09:30:00Z")
        }
        return date
    }
}
