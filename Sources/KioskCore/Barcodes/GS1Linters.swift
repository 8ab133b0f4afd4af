/// The content checks ("linters") that GS1's Syntax Dictionary names in its format column,
/// each a function of one component's bytes. kioskd's own implementations of the rules GS1
/// publishes with the dictionary (the reference engine is the test oracle, see Tests/GS1).
///
/// A linter name the dictionary uses but this table does not know fails closed: the value is
/// refused, so a newer dictionary can never make kioskd accept what it cannot check.
enum GS1Linters {
    typealias Bytes = ArraySlice<UInt8>

    /// Runs the named linter; `true` when the component passes.
    static func check(_ name: String, _ data: Bytes) -> Bool {
        table[name]?(data) ?? false
    }

    /// Whether every byte is in the character set.
    static func check(_ set: GS1SyntaxDictionary.CharacterSet, _ data: Bytes) -> Bool {
        switch set {
        case .numeric: return data.allSatisfy(isDigit)
        case .cset82: return data.allSatisfy { $0 < 128 && cset82[Int($0)] }
        case .cset39: return data.allSatisfy { isDigit($0) || isUpper($0) || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "/") }
        case .cset64: return isBase64URL(data)
        }
    }

    static let table: [String: @Sendable (Bytes) -> Bool] = [
        "csum": { $0.count >= 2 && $0.allSatisfy(isDigit) && GS1CheckDigit.isValid(String(decoding: $0, as: UTF8.self)) },
        "csumalpha": { checkPair($0) },
        "gcppos1": { companyPrefixStart($0) },
        "gcppos2": { $0.count >= 2 && companyPrefixStart($0.dropFirst()) },
        "yymmd0": { yymmdd($0, dayZeroAllowed: true) },
        "yymmdd": { yymmdd($0, dayZeroAllowed: false) },
        "yyyymmd0": { yyyymmdd($0, dayZeroAllowed: true) },
        "yyyymmdd": { yyyymmdd($0, dayZeroAllowed: false) },
        "hh": { number($0, digits: 2).map { $0 <= 23 } ?? false },
        "mi": { number($0, digits: 2).map { $0 <= 59 } ?? false },
        "ss": { number($0, digits: 2).map { $0 <= 59 } ?? false },
        "hhmi": { $0.count == 4 && (number($0.prefix(2), digits: 2) ?? 99) <= 23 && (number($0.suffix(2), digits: 2) ?? 99) <= 59 },
        "iso3166": { inList($0, iso3166) },
        "iso3166999": { String(decoding: $0, as: UTF8.self) == "999" || inList($0, iso3166) },
        "iso3166alpha2": { inList($0, iso3166alpha2) },
        "iso4217": { inList($0, iso4217) },
        "iso5218": { $0.count == 1 && "0129".utf8.contains($0.first!) },
        "yesno": { $0.count == 1 && "01".utf8.contains($0.first!) },
        "winding": { $0.count == 1 && "019".utf8.contains($0.first!) },
        "zero": { !$0.isEmpty && $0.allSatisfy { $0 == UInt8(ascii: "0") } },
        "nonzero": { $0.allSatisfy(isDigit) && $0.contains { $0 != UInt8(ascii: "0") } },
        "nozeroprefix": { $0.first != UInt8(ascii: "0") && $0.allSatisfy(isDigit) },
        "hyphen": { !$0.isEmpty && $0.allSatisfy { $0 == UInt8(ascii: "-") } },
        "hasnondigit": { $0.contains { !isDigit($0) } },
        "latitude": { $0.count == 10 && (number($0, digits: 10) ?? .max) <= 1_800_000_000 },
        "longitude": { $0.count == 10 && (number($0, digits: 10) ?? .max) <= 3_600_000_000 },
        "pcenc": { percentEncoded($0) },
        "pieceoftotal": { pieceOfTotal($0) },
        "posinseqslash": { positionInSequence($0) },
        "importeridx": { $0.count == 1 && (isDigit($0.first!) || isUpper($0.first!) || isLower($0.first!) || $0.first! == UInt8(ascii: "-") || $0.first! == UInt8(ascii: "_")) },
        "mediatype": { number($0, digits: 2).map { (1...10).contains($0) || (80...99).contains($0) } ?? false },
        "packagetype": { inList($0, packageTypes) },
        "iban": { iban($0) },
        "couponcode": { var reader = GS1CouponReader(data: $0); return reader.readCouponCode() },
        "couponposoffer": { var reader = GS1CouponReader(data: $0); return reader.readPositiveOffer() },
    ]


    // MARK: Code lists (as GS1 publishes them with its linters; update with a new dictionary release)

    /// ISO 3166-1 numeric country codes.
    static let iso3166: Set<String> = codes("""
        004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 068 070 072
        074 076 084 086 090 092 096 100 104 108 112 116 120 124 132 136 140 144 148 152 156 158 162
        166 170 174 175 178 180 184 188 191 192 196 203 204 208 212 214 218 222 226 231 232 233 234
        238 239 242 246 248 250 254 258 260 262 266 268 270 275 276 288 292 296 300 304 308 312 316
        320 324 328 332 334 336 340 344 348 352 356 360 364 368 372 376 380 384 388 392 398 400 404
        408 410 414 417 418 422 426 428 430 434 438 440 442 446 450 454 458 462 466 470 474 478 480
        484 492 496 498 499 500 504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 566
        570 574 578 580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626 630 634 638 642
        643 646 652 654 659 660 662 663 666 670 674 678 682 686 688 690 694 702 703 704 705 706 710
        716 724 728 729 732 740 744 748 752 756 760 762 764 768 772 776 780 784 788 792 795 796 798
        800 804 807 818 826 831 832 833 834 840 850 854 858 860 862 876 882 887 894
        """)

    /// ISO 4217 numeric currency codes.
    static let iso4217: Set<String> = codes("""
        008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136 144
        152 156 170 174 188 192 203 208 214 222 230 232 238 242 262 270 292 320 324 328 332 340 344
        348 352 356 360 364 368 376 388 392 396 398 400 404 408 410 414 417 418 422 426 430 434 446
        454 458 462 480 484 496 498 504 512 516 524 532 533 548 554 558 566 578 586 590 598 600 604
        608 634 643 646 654 682 690 702 704 706 710 728 748 752 756 760 764 776 780 784 788 800 807
        818 826 834 840 858 860 882 886 901 924 925 926 927 928 929 930 933 934 936 938 940 941 943
        944 946 947 948 949 950 951 952 953 955 956 957 958 959 960 961 962 963 964 965 967 968 969
        970 971 972 973 975 976 977 978 979 980 981 984 985 986 990 994 997 999
        """)

    /// ISO 3166-1 alpha-2 country codes.
    static let iso3166alpha2: Set<String> = codes("""
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
        BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
        DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
        GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
        KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
        MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
        PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
        SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
        VN VU WF WS YE YT ZA ZM ZW
        """)

    /// UN/ECE Recommendation 21 package type codes (AI 7041).
    static let packageTypes: Set<String> = codes("""
        1A 1B 1D 1F 1G 1W 200 201 202 203 204 205 206 210 211 212 2C 3A 3H 43 44 4A 4B 4C 4D 4F 4G
        4H 5H 5L 5M 6H 6P 7A 7B 8 8A 8B 8C 9 AA AB AC AD AF AG AH AI AJ AL AM AP APE AT AV B4 BB BC
        BD BE BF BG BGE BH BI BJ BK BL BM BME BN BO BP BQ BR BRI BS BT BU BV BW BX BY BZ CA CB CBL
        CC CCE CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT CU CV CW CX CY CZ DA DB DC DG DH
        DI DJ DK DL DM DN DP DPE DR DS DT DU DV DW DX DY E1 E2 E3 EC ED EE EF EG EH EI EN FB FC FD
        FE FI FL FO FOB FP FPE FR FT FW FX GB GI GL GR GU GY GZ HA HB HC HG HN HR IA IB IC ID IE IF
        IG IH IK IL IN IZ JB JC JG JR JT JY KG KI LAB LE LG LT LU LV LZ MA MB MC ME MPE MR MS MT MW
        MX NA NE NF NG NS NT NU NV OA OB OC OD OE OF OK OPE OT OU P2 PA PAE PB PC PD PE PF PG PH PI
        PJ PK PL PLP PN PO POP PP PPE PR PT PU PUE PV PX PY PZ QA QB QC QD QF QG QH QJ QK QL QM QN
        QP QQ QR QS RB1 RB2 RB3 RCB RD RG RJ RK RL RO RT RZ S1 SA SB SC SD SE SEC SH SI SK SL SM SO
        SP SS ST STL SU SV SW SX SY SZ T1 TB TC TD TE TEV TG THE TI TK TL TN TO TR TRE TS TT TTE TU
        TV TW TWE TY TZ UC UN UUE VA VG VI VK VL VN VO VP VQ VR VS VY WA WB WC WD WF WG WH WJ WK WL
        WM WN WP WQ WR WRP WS WT WU WV WW WX WY WZ X11 X12 X15 X16 X17 X18 X19 X20 X3 XA XB XC XD
        XF XG XH XJ XK YA YB YC YD YF YG YH YJ YK YL YM YN YP YQ YR YS YT YV YW YX YY YZ ZA ZB ZC
        ZD ZF ZG ZH ZJ ZK ZL ZM ZN ZP ZQ ZR ZS ZT ZU ZV ZW ZX ZY ZZ
        """)

    private static func codes(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    // MARK: Helpers

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }

    /// The value of exactly `digits` ASCII digits.
    static func number(_ data: Bytes, digits: Int) -> Int? {
        guard data.count == digits, data.allSatisfy(isDigit) else { return nil }
        return data.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    static func inList(_ data: Bytes, _ list: Set<String>) -> Bool {
        list.contains(String(decoding: data, as: UTF8.self))
    }

    /// GS1 CSET 82: printable ASCII without space, `#$@[\]^` backtick `{|}~`.
    static let cset82: [Bool] = (0..<128).map { b in
        (33...126).contains(b) && !"#$@[\\]^`{|}~".utf8.contains(UInt8(b))
    }

    /// Base64url characters, with `=` padding only to a multiple of 3 and at most two.
    static func isBase64URL(_ data: Bytes) -> Bool {
        let pads = data.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        if pads > 2 || (pads > 0 && data.count % 3 != 0) { return false }
        return data.dropLast(pads).allSatisfy { isDigit($0) || isUpper($0) || isLower($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// The GS1 Company Prefix starts here: at least four characters, the first four digits.
    /// (Whether the prefix is allocated needs GS1's registry; kioskd does not ask it.)
    static func companyPrefixStart(_ data: Bytes) -> Bool {
        data.count >= 4 && data.prefix(4).allSatisfy(isDigit)
    }

    /// YYMMDD; the century follows GS1's sliding window (YY 72–99 → 19YY), which only matters
    /// for 29 February: a leap year is then YY divisible by 4 either way.
    static func yymmdd(_ data: Bytes, dayZeroAllowed: Bool) -> Bool {
        guard let yy = number(data.prefix(2), digits: 2), data.count == 6 else { return false }
        let year = yy >= 72 ? 1900 + yy : 2000 + yy
        return date(year: year, data.suffix(4), dayZeroAllowed: dayZeroAllowed)
    }

    static func yyyymmdd(_ data: Bytes, dayZeroAllowed: Bool) -> Bool {
        guard data.count == 8, let year = number(data.prefix(4), digits: 4) else { return false }
        return date(year: year, data.suffix(4), dayZeroAllowed: dayZeroAllowed)
    }

    /// MMDD in the given year; DD = 00 ("any day of the month") only when allowed.
    static func date(year: Int, _ mmdd: Bytes, dayZeroAllowed: Bool) -> Bool {
        guard let month = number(mmdd.prefix(2), digits: 2), let day = number(mmdd.suffix(2), digits: 2),
              (1...12).contains(month) else { return false }
        if day == 0 { return dayZeroAllowed }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// Every `%` is followed by two hexadecimal digits.
    static func percentEncoded(_ data: Bytes) -> Bool {
        var i = data.startIndex
        while i < data.endIndex {
            if data[i] == UInt8(ascii: "%") {
                guard i + 2 < data.endIndex, isHex(data[i + 1]), isHex(data[i + 2]) else { return false }
                i += 3
            } else {
                i += 1
            }
        }
        return true
    }

    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) }

    /// Piece number and total, each half of the digits: neither zero, piece ≤ total.
    static func pieceOfTotal(_ data: Bytes) -> Bool {
        guard !data.isEmpty, data.count % 2 == 0, data.allSatisfy(isDigit) else { return false }
        let piece = data.prefix(data.count / 2), total = data.suffix(data.count / 2)
        guard piece.contains(where: { $0 != 0x30 }), total.contains(where: { $0 != 0x30 }) else { return false }
        return !piece.lexicographicallyPrecedes(total) ? piece.elementsEqual(total) : true
    }

    /// `position/end`: digits, no leading zeros, position ≤ end.
    static func positionInSequence(_ data: Bytes) -> Bool {
        guard let slash = data.firstIndex(of: UInt8(ascii: "/")) else { return false }
        let position = data[data.startIndex..<slash], end = data[(slash + 1)...]
        guard !position.isEmpty, !end.isEmpty, position.allSatisfy(isDigit), end.allSatisfy(isDigit),
              position.first != 0x30, end.first != 0x30 else { return false }
        if position.count != end.count { return position.count < end.count }
        return !end.lexicographicallyPrecedes(position)
    }

    /// An IBAN: a country code, 11 to 34 characters in all, and the mod-97 check.
    static func iban(_ data: Bytes) -> Bool {
        guard data.count >= 4, inList(data.prefix(2), iso3166alpha2), data.count <= 34, data.count > 10 else { return false }
        var sum = 0
        for b in data.dropFirst(4) + data.prefix(4) {
            let value: Int
            if isDigit(b) { value = Int(b - 0x30) } else if isUpper(b) { value = Int(b - 0x41) + 10 } else { return false }
            sum = (sum * (value < 10 ? 10 : 100) + value) % 97
        }
        return sum == 1
    }

    /// The GS1 check character pair (AIs 8013, 8014): prime-weighted sum of CSET 82 positions
    /// mod 1021, written as two CSET 32 characters.
    static func checkPair(_ data: Bytes) -> Bool {
        guard data.count >= 2, data.count <= primes.count + 2 else { return false }
        let cset32 = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)
        let body = data.dropLast(2)
        var sum = 0
        for (offset, b) in body.enumerated() {
            guard let weight = cset82Order[b] else { return false }
            sum += weight * primes[body.count - 1 - offset]
        }
        sum %= 1021
        return data[data.endIndex - 2] == cset32[sum >> 5] && data[data.endIndex - 1] == cset32[sum & 31]
    }

    /// CSET 82 in GS1's order, each character's position from 0.
    static let cset82Order: [UInt8: Int] = {
        let order = Array("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
        return Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
    }()

    static let primes: [Int] = {
        var found: [Int] = []
        var n = 2
        while found.count < 97 {
            if found.allSatisfy({ n % $0 != 0 }) { found.append(n) }
            n += 1
        }
        return found
    }()
}

/// Reads the variable-length fields of a North American coupon (AIs 8110 and 8112) in order,
/// as GS1's coupon guidelines lay them out; all digits.
struct GS1CouponReader {
    let bytes: [UInt8]
    var i = 0

    init(data: ArraySlice<UInt8>) { bytes = Array(data) }

    private var atEnd: Bool { i >= bytes.count }
    private var current: Int { Int(bytes[i] - 0x30) }

    /// Takes `n` digits; false when fewer remain.
    private mutating func take(_ n: Int) -> Bool {
        guard bytes.count - i >= n else { return false }
        i += n
        return true
    }

    /// A company prefix: its length digit (0…`maxIndicator` → 6…), then the prefix itself.
    private mutating func companyPrefix(allowNone: Bool) -> Bool {
        guard !atEnd else { return false }
        let indicator = current
        i += 1
        if allowNone, indicator == 9 { return true }
        guard indicator <= 6 else { return false }
        let start = i
        guard take(indicator + 6) else { return false }
        return GS1Linters.companyPrefixStart(bytes[start..<i][...])
    }

    /// A value with its own length digit (1…`max`).
    private mutating func lengthPrefixed(max: Int) -> Bool {
        guard !atEnd, (1...max).contains(current) else { return false }
        let n = current
        i += 1
        return take(n)
    }

    /// A purchase requirement code (0–4 or 9) and a 3-digit family code.
    private mutating func requirementCodeAndFamily() -> Bool {
        guard !atEnd, current <= 4 || current == 9 else { return false }
        i += 1
        return take(3)
    }

    private mutating func date() -> Int? {
        let start = i
        guard take(6), GS1Linters.yymmdd(bytes[start..<i][...], dayZeroAllowed: false) else { return nil }
        return start
    }

    mutating func readCouponCode() -> Bool {
        guard bytes.allSatisfy(GS1Linters.isDigit) else { return false }
        guard !atEnd, current <= 6, companyPrefix(allowNone: false) else { return false }
        guard take(6) else { return false }                          // offer code
        guard lengthPrefixed(max: 5) else { return false }           // save value
        guard lengthPrefixed(max: 5), requirementCodeAndFamily() else { return false } // 1st purchase
        if !atEnd, current == 1 {                                    // data field 1: 2nd purchase
            i += 1
            guard !atEnd, current <= 3 else { return false }         // additional rules code
            i += 1
            guard lengthPrefixed(max: 5), requirementCodeAndFamily(), companyPrefix(allowNone: true) else { return false }
        }
        if !atEnd, current == 2 {                                    // data field 2: 3rd purchase
            i += 1
            guard lengthPrefixed(max: 5), requirementCodeAndFamily(), companyPrefix(allowNone: true) else { return false }
        }
        var expiry: Int?
        if !atEnd, current == 3 {                                    // data field 3: expiry
            i += 1
            guard let at = date() else { return false }
            expiry = at
        }
        if !atEnd, current == 4 {                                    // data field 4: start date
            i += 1
            guard let start = date() else { return false }
            if let expiry, bytes[start..<start + 6].lexicographicallyPrecedes(bytes[expiry..<expiry + 6]) == false,
               !bytes[start..<start + 6].elementsEqual(bytes[expiry..<expiry + 6]) {
                return false                                         // starts after it expires
            }
        }
        if !atEnd, current == 5 {                                    // data field 5: serial number
            i += 1
            guard !atEnd else { return false }
            let n = current + 6
            i += 1
            guard take(n) else { return false }
        }
        if !atEnd, current == 6 {                                    // data field 6: retailer
            i += 1
            guard !atEnd, (1...7).contains(current) else { return false }
            let n = current + 6
            i += 1
            let start = i
            guard take(n), GS1Linters.companyPrefixStart(bytes[start..<i][...]) else { return false }
        }
        if !atEnd, current == 9 {                                    // data field 9: miscellaneous
            i += 1
            guard !atEnd, [0, 1, 2, 5, 6].contains(current) else { return false } // save value code
            i += 1
            guard !atEnd, current <= 2 else { return false }         // applies to item
            i += 1
            guard !atEnd else { return false }                       // store coupon flag
            i += 1
            guard !atEnd, current <= 1 else { return false }         // don't multiply flag
            i += 1
        }
        return atEnd
    }

    mutating func readPositiveOffer() -> Bool {
        guard bytes.allSatisfy(GS1Linters.isDigit) else { return false }
        guard !atEnd, current <= 1 else { return false }             // format code
        i += 1
        guard !atEnd, current <= 6, companyPrefix(allowNone: false) else { return false } // funder
        guard take(6) else { return false }                          // offer code
        guard !atEnd else { return false }                           // serial number
        let n = current + 6
        i += 1
        guard take(n) else { return false }
        return atEnd
    }
}
