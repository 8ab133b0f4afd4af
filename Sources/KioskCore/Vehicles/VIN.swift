import Foundation

/// A vehicle identification number (车架号 / VIN, ISO 3779): 17 characters, digits and capital
/// letters without I, O and Q. Pure: parsing, the check digit, and what the number tells
/// without a network (the maker from the World Manufacturer Identifier, the model year).
public struct VIN: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let text: String

    /// Whether the check digit (position 9) is right. North American VINs must have it
    /// (``parse(_:)`` refuses them otherwise); Chinese and European makers may fill position 9
    /// with anything, so for them a wrong one is only reported.
    public let checkDigitValid: Bool

    public var description: String { text }
    /// The VIN as logs and screens show a customer's: the maker's code and the last four
    /// (`LSV**********3294`).
    public var masked: String { String(text.prefix(3)) + String(repeating: "*", count: 10) + String(text.suffix(4)) }
    public static func < (a: VIN, b: VIN) -> Bool { a.text < b.text }

    /// Reads a VIN as typed or scanned: case and surrounding spaces do not matter, and the `I`
    /// that some Code 39 labels of imported cars put in front (18 characters) is dropped.
    public static func parse(_ raw: String) throws(VINError) -> VIN {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        if text.count == 18, text.hasPrefix("I") { text.removeFirst() }
        guard text.count == 17 else { throw .wrongLength(raw, count: text.count) }
        for (offset, ch) in text.enumerated() {
            guard ch.isASCII, ch.isLetter || ch.isNumber else { throw .illegalCharacter(raw, character: ch, position: offset + 1) }
            if "IOQ".contains(ch) { throw .illegalCharacter(raw, character: ch, position: offset + 1) }
        }
        let expected = checkDigit(of: text)
        let found = text[text.index(text.startIndex, offsetBy: 8)]
        let valid = expected == found
        if !valid, isNorthAmerican(text) { throw .checkDigitMismatch(text, expected: expected, found: found) }
        return VIN(text: text, checkDigitValid: valid)
    }

    /// The check digit positions 1–17 give (weights 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2, sum
    /// mod 11, 10 written `X`).
    public static func checkDigit(of text: String) -> Character {
        let weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
        var sum = 0
        for (ch, weight) in zip(text, weights) { sum += value(of: ch) * weight }
        let remainder = sum % 11
        return remainder == 10 ? "X" : Character(String(remainder))
    }

    static func value(of ch: Character) -> Int {
        if let digit = ch.wholeNumberValue { return digit }
        let letters: [Character: Int] = [
            "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8, "J": 1, "K": 2, "L": 3, "M": 4, "N": 5,
            "P": 7, "R": 9, "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
        ]
        return letters[ch] ?? 0
    }

    /// VINs of vehicles made for North America (first character 1–5) must carry a right check digit.
    static func isNorthAmerican(_ text: String) -> Bool { "12345".contains(text.first!) }

    /// The World Manufacturer Identifier: the first three characters.
    public var wmi: String { String(text.prefix(3)) }

    /// The maker, from the table shipped with kioskd; otherwise the region the first
    /// character stands for.
    public var manufacturer: String {
        if let maker = WMITable.makers[wmi] { return maker }
        return WMITable.region(of: text.first!)
    }

    /// The model year from position 10, a code that repeats every 30 years. North American
    /// VINs tell the cycle by position 7 (a digit: 1980–2009, a letter: 2010–2039); for others
    /// it is the latest year the code can stand for that is not after the year after
    /// `reference`. `nil` for a character that is not a year code.
    public func modelYear(reference: Date = Date()) -> Int? {
        let codes = Array("ABCDEFGHJKLMNPRSTVWXY123456789")
        let chars = Array(text)
        guard let index = codes.firstIndex(of: chars[9]) else { return nil }
        if Self.isNorthAmerican(text) { return (chars[6].isNumber ? 1980 : 2010) + index }
        let latest = Calendar(identifier: .gregorian).component(.year, from: reference) + 1
        var year = 1980 + index
        while year + 30 <= latest { year += 30 }
        return year
    }
}

/// Why a scanned or typed VIN cannot be used.
public enum VINError: Error, Sendable, Hashable, CustomStringConvertible {
    case wrongLength(String, count: Int)
    case illegalCharacter(String, character: Character, position: Int)
    case checkDigitMismatch(String, expected: Character, found: Character)

    public var description: String {
        switch self {
        case let .wrongLength(raw, count):
            "车架号 \(raw) 有 \(count) 位，应为 17 位 / VIN \(raw) has \(count) characters, not 17: scan the VIN label again or type all 17"
        case let .illegalCharacter(raw, ch, position):
            "车架号 \(raw) 第 \(position) 位 \"\(ch)\" 不允许（VIN 不含 I、O、Q）/ VIN \(raw): \"\(ch)\" at position \(position) is not allowed (VINs use digits and letters except I, O, Q)"
        case let .checkDigitMismatch(text, expected, found):
            "车架号 \(text) 校验位错误：第 9 位应为 \(expected)，实为 \(found) / VIN \(text): check digit (position 9) should be \(expected), is \(found): a character was misread or mistyped"
        }
    }
}

/// World Manufacturer Identifiers of makers common in Chinese 4S stores, shipped with kioskd
/// so that a VIN names its maker without a network.
public enum WMITable {
    public static let makers: [String: String] = [
        // Made in China
        "LSV": "上汽大众 SAIC Volkswagen", "LFV": "一汽-大众 FAW-Volkswagen", "LFP": "一汽轿车 FAW Car",
        "LFM": "一汽丰田 FAW Toyota", "LVG": "广汽丰田 GAC Toyota", "LHG": "广汽本田 GAC Honda",
        "LVH": "东风本田 Dongfeng Honda", "LGB": "东风日产 Dongfeng Nissan", "LDC": "神龙汽车 Dongfeng Peugeot-Citroën",
        "LBV": "华晨宝马 BMW Brilliance", "LE4": "北京奔驰 Beijing Benz", "LSG": "上汽通用 SAIC-GM",
        "LVS": "长安福特 Changan Ford", "LBE": "北京现代 Beijing Hyundai", "LJD": "东风悦达起亚 Dongfeng Yueda Kia",
        "LRW": "特斯拉（上海）Tesla Shanghai", "LGX": "比亚迪 BYD", "LC0": "比亚迪 BYD", "LB3": "吉利 Geely",
        "LSJ": "上汽乘用车 SAIC Motor (MG, Roewe)", "LNB": "北汽 BAIC", "LS5": "长安汽车 Changan",
        "LGW": "长城汽车 Great Wall", "LVV": "奇瑞 Chery", "LFZ": "一汽奥迪 FAW-Audi", "LYV": "沃尔沃亚太 Volvo Asia Pacific",
        "LRB": "上汽通用别克 SAIC-GM Buick", "LZW": "上汽通用五菱 SGMW", "LGA": "东风 Dongfeng",
        // Imported
        "WVW": "Volkswagen", "WV1": "Volkswagen Commercial", "WAU": "Audi", "WBA": "BMW", "WBS": "BMW M",
        "WDD": "Mercedes-Benz", "WDB": "Mercedes-Benz", "W1K": "Mercedes-Benz", "WP0": "Porsche", "WMW": "MINI",
        "JHM": "Honda", "JTD": "Toyota", "JTE": "Toyota", "JN1": "Nissan", "JM1": "Mazda", "JF1": "Subaru",
        "KMH": "Hyundai", "KNA": "Kia", "SAL": "Land Rover", "SAJ": "Jaguar", "YV1": "Volvo", "ZFA": "Fiat",
        "VF1": "Renault", "VF3": "Peugeot", "VF7": "Citroën",
        "1HG": "Honda (USA)", "1FA": "Ford (USA)", "1G1": "Chevrolet (USA)", "1M8": "Motor Coach Industries (USA)",
        "2HG": "Honda (Canada)", "3VW": "Volkswagen (Mexico)", "4T1": "Toyota (USA)", "5YJ": "Tesla (USA)",
    ]

    /// The region a VIN's first character stands for.
    public static func region(of first: Character) -> String {
        switch first {
        case "1", "4", "5": "美国制造 made in the USA"
        case "2": "加拿大制造 made in Canada"
        case "3": "墨西哥制造 made in Mexico"
        case "J": "日本制造 made in Japan"
        case "K": "韩国制造 made in Korea"
        case "L": "中国制造 made in China"
        case "S": "英国制造 made in the UK"
        case "V": "法国或西班牙制造 made in France or Spain"
        case "W": "德国制造 made in Germany"
        case "Y": "瑞典或芬兰制造 made in Sweden or Finland"
        case "Z": "意大利制造 made in Italy"
        default: "制造商未知 maker unknown (WMI not in kioskd's table)"
        }
    }
}
