import Foundation

extension ItemTrace {
    /// What a GS1 code says about the item: lot (10), expiry (17), serial (21) and the first
    /// net quantity (310n–369n).
    public init(_ code: GS1ElementString, reference: Date = Date()) {
        self.init(lot: code.batch, expiry: code.expiry.flatMap { Self.calendarDate(gs1: $0, reference: reference) },
                  serial: code.serial, netQuantity: code.netQuantity.map { "\($0.value) \($0.unit)" },
                  readAs: code.reading == .unprefixed ? code.humanReadable : nil)
    }

    /// A GS1 `YYMMDD` date as `yyyy-MM-dd`: the century chosen by GS1's rule (General
    /// Specifications 7.12: a year 51 or more ahead of this one is in the last century, 50 or
    /// more behind is in the next); day `00` is the month's last day.
    static func calendarDate(gs1 text: String, reference: Date) -> String? {
        let digits = text.compactMap(\.wholeNumberValue)
        guard text.count == 6, digits.count == 6 else { return nil }
        let yy = digits[0] * 10 + digits[1], month = digits[2] * 10 + digits[3]
        var day = digits[4] * 10 + digits[5]
        guard (1...12).contains(month) else { return nil }
        let thisYear = Calendar(identifier: .gregorian).component(.year, from: reference)
        let century = thisYear / 100 * 100
        var year = century + yy
        let difference = yy - thisYear % 100
        if difference >= 51 { year -= 100 } else if difference <= -50 { year += 100 }
        if day == 0 {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            day = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
