import Foundation

extension CounterSession {
    /// The session as the store keeps it: the JSON that its `Decodable` conformance reads,
    /// the same that `JSONEncoder` writes from its `Encodable` one.
    ///
    /// The session is saved with every scan, and through `JSONEncoder` the encoding of its 20
    /// undo entries took a quarter of a scan's time in the store (kioskd-bench, on tmpfs). So
    /// it is written directly, as bytes into one buffer (appending to a `String` piece by piece
    /// still cost 7 % of a scan). A test decodes it back for sessions with every field set and
    /// with quotes, backslashes, control characters and Chinese in every text.
    public var storedJSON: String {
        var json: [UInt8] = []
        json.reserveCapacity(192 + undoStack.count * 44)
        json.append(#"{"mode":"#)
        json.appendJSONString(mode.rawValue)
        func field(_ name: StaticString, _ text: String?) {
            guard let text else { return }
            json.append(name)
            json.appendJSONString(text)
        }
        func field(_ name: StaticString, _ id: UUID?) {
            guard let id else { return }
            json.append(name)
            json.append(UInt8(ascii: "\""))
            json.appendText(of: id)
            json.append(UInt8(ascii: "\""))
        }
        field(#","bin":"#, bin)
        field(#","targetBin":"#, targetBin)
        field(#","workOrder":"#, workOrder)
        if let pendingQuantity {
            json.append(#","pendingQuantity":"#)
            json.append(contentsOf: String(pendingQuantity).utf8)
        }
        json.append(quantityTyped ? #","quantityTyped":true"# : #","quantityTyped":false"#)
        field(#","badge":"#, badge)
        field(#","stocktakeID":"#, stocktakeID)
        field(#","closedStocktakeID":"#, closedStocktakeID)
        json.append(#","undoStack":["#)
        for (index, entry) in undoStack.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            switch entry {
            case .movement(let id):
                json.append(#""m:"#)
                json.appendText(of: id)
                json.append(UInt8(ascii: "\""))
            case let .countScan(id, stocktake, partNumber, bin, quantity):
                json.append(#"{"countScan":{"_0":""#)
                json.appendText(of: id)
                json.append(#"","stocktake":""#)
                json.appendText(of: stocktake)
                json.append(#"","partNumber":"#)
                json.appendJSONString(partNumber)
                json.append(#","bin":"#)
                json.appendJSONString(bin)
                json.append(#","quantity":"#)
                json.append(contentsOf: String(quantity).utf8)
                json.append(#"}}"#)
            }
        }
        json.append(UInt8(ascii: "]"))
        field(#","delivery":"#, delivery)
        field(#","deliveryOrder":"#, deliveryOrder)
        field(#","pendingSSCC":"#, pendingSSCC)
        field(#","receiptCondition":"#, receiptCondition?.rawValue)
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }
}

extension [UInt8] {
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `text` as a JSON string literal (RFC 8259 §7): quotes, backslashes and
    /// control characters escaped, everything else as it is (UTF-8).
    mutating func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case UInt8(ascii: "\n"): append(#"\n"#)
            case UInt8(ascii: "\r"): append(#"\r"#)
            case UInt8(ascii: "\t"): append(#"\t"#)
            case ..<0x20:
                let hex: StaticString = "0123456789ABCDEF"
                append(#"\u00"#)
                hex.withUTF8Buffer { digits in
                    append(digits[Int(byte >> 4)])
                    append(digits[Int(byte & 0x0F)])
                }
            default: append(byte)
            }
        }
        append(UInt8(ascii: "\""))
    }

    /// Appends the UUID's text (``UUID/text``: upper-case hex, 8-4-4-4-12).
    mutating func appendText(of id: UUID) {
        let hex: StaticString = "0123456789ABCDEF"
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { out in
            hex.withUTF8Buffer { digits in
                Swift.withUnsafeBytes(of: id.uuid) { bytes in
                    var n = 0
                    for index in 0..<16 {
                        if index == 4 || index == 6 || index == 8 || index == 10 {
                            out[n] = UInt8(ascii: "-")
                            n += 1
                        }
                        out[n] = digits[Int(bytes[index] >> 4)]
                        out[n + 1] = digits[Int(bytes[index] & 0x0F)]
                        n += 2
                    }
                }
            }
            append(contentsOf: out)
        }
    }
}
