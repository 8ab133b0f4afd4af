import Foundation

extension CounterSession {
    /// The session as the store keeps it: the JSON that its `Decodable` conformance reads,
    /// the same that `JSONEncoder` writes from its `Encodable` one.
    ///
    /// The session is saved with every scan, and through `JSONEncoder` the encoding of its 20
    /// undo entries took a quarter of a scan's time in the store (kioskd-bench, on tmpfs). So
    /// it is written directly. A test decodes it back for sessions with every field set and
    /// with quotes, backslashes, control characters and Chinese in every text.
    public var storedJSON: String {
        var json = "{\"mode\":"
        json.appendJSONString(mode.rawValue)
        func field(_ name: String, _ text: String?) {
            guard let text else { return }
            json += ",\"\(name)\":"
            json.appendJSONString(text)
        }
        field("bin", bin)
        field("targetBin", targetBin)
        field("workOrder", workOrder)
        if let pendingQuantity { json += ",\"pendingQuantity\":\(pendingQuantity)" }
        json += quantityTyped ? ",\"quantityTyped\":true" : ",\"quantityTyped\":false"
        field("badge", badge)
        field("stocktakeID", stocktakeID?.text)
        field("closedStocktakeID", closedStocktakeID?.text)
        json += ",\"undoStack\":["
        for (index, entry) in undoStack.enumerated() {
            if index > 0 { json += "," }
            switch entry {
            case .movement(let id):
                json += "\"m:\(id.text)\""
            case let .countScan(id, stocktake, partNumber, bin, quantity):
                json += "{\"countScan\":{\"_0\":\"\(id.text)\",\"stocktake\":\"\(stocktake.text)\",\"partNumber\":"
                json.appendJSONString(partNumber)
                json += ",\"bin\":"
                json.appendJSONString(bin)
                json += ",\"quantity\":\(quantity)}}"
            }
        }
        json += "]"
        field("delivery", delivery?.text)
        field("deliveryOrder", deliveryOrder)
        field("pendingSSCC", pendingSSCC)
        field("receiptCondition", receiptCondition?.rawValue)
        json += "}"
        return json
    }
}

extension String {
    /// Appends `text` as a JSON string literal (RFC 8259 §7): quotes, backslashes and
    /// control characters escaped, everything else as it is.
    mutating func appendJSONString(_ text: String) {
        append("\"")
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            append(text)
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": append("\\\"")
                case "\\": append("\\\\")
                case "\n": append("\\n")
                case "\r": append("\\r")
                case "\t": append("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: unicodeScalars.append(scalar)
                }
            }
        }
        append("\"")
    }
}
