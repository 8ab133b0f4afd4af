import CQREncode
import CZint
import Foundation

/// A barcode as modules: `rows` × `columns`, true where the module is dark.
public struct BarcodeModules: Sendable, Hashable {
    public let columns: Int
    public let rows: Int
    let dark: [Bool]

    /// Modules row by row, true where dark.
    public init(columns: Int, rows: Int, dark: [Bool]) {
        precondition(dark.count == columns * rows)
        self.columns = columns
        self.rows = rows
        self.dark = dark
    }

    public func isDark(row: Int, column: Int) -> Bool { dark[row * columns + column] }
}

/// Why a code could not be made into a barcode.
public enum BarcodeError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotEncode(String, reason: String)
    public var description: String {
        switch self {
        case let .cannotEncode(text, reason): "无法生成条码 \(text) / cannot make a barcode of \"\(text)\": \(reason)"
        }
    }
}

public enum Barcodes {
    /// Code 128 through libzint (Debian's libzint), the symbology of every kioskd code on
    /// labels and the command sheet. Zint picks code sets A/B/C for the shortest symbol.
    public static func code128(_ text: String) throws(BarcodeError) -> BarcodeModules {
        try zint(BARCODE_CODE128, text, inputMode: UNICODE_MODE)
    }

    /// GS1-128 from the bracketed form, e.g. `(01)09501101530003(10)LOT7`: FNC1 first and
    /// between variable-length elements, check digits verified by zint.
    public static func gs1_128(_ bracketed: String) throws(BarcodeError) -> BarcodeModules {
        // zint writes AIs in square brackets.
        try zint(BARCODE_GS1_128, bracketed.replacingOccurrences(of: "(", with: "[").replacingOccurrences(of: ")", with: "]"), inputMode: GS1_MODE)
    }

    private static func zint(_ symbology: Int32, _ text: String, inputMode: Int32) throws(BarcodeError) -> BarcodeModules {
        guard let symbol = ZBarcode_Create() else { throw .cannotEncode(text, reason: "zint is out of memory") }
        defer { ZBarcode_Delete(symbol) }
        symbol.pointee.symbology = symbology
        symbol.pointee.input_mode = inputMode
        let bytes = Array(text.utf8)
        let status = ZBarcode_Encode(symbol, bytes, Int32(bytes.count))
        guard status < ZINT_ERROR else { throw .cannotEncode(text, reason: String(cString: kd_zint_error(symbol))) }
        let rows = Int(symbol.pointee.rows), columns = Int(symbol.pointee.width)
        var dark = [Bool](repeating: false, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { dark[r * columns + c] = kd_zint_module(symbol, Int32(r), Int32(c)) != 0 } }
        return BarcodeModules(columns: columns, rows: rows, dark: dark)
    }

    /// A QR code through libqrencode (Debian's libqrencode), error correction M, 8-bit mode so
    /// a URL or Chinese text comes back as written.
    public static func qr(_ text: String) throws(BarcodeError) -> BarcodeModules {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
            throw .cannotEncode(text, reason: String(cString: strerror(errno)))
        }
        defer { QRcode_free(code) }
        let size = Int(code.pointee.width)
        var dark = [Bool](repeating: false, count: size * size)
        for i in 0..<(size * size) { dark[i] = code.pointee.data[i] & 1 != 0 }
        return BarcodeModules(columns: size, rows: size, dark: dark)
    }
}

extension LabelBitmap {
    /// Draws a linear barcode `height` dots tall with `module` dots per module, from (x, y).
    /// Returns the width drawn.
    @discardableResult
    public mutating func drawLinear(_ code: BarcodeModules, x: Int, y: Int, module: Int, height: Int) -> Int {
        for column in 0..<code.columns where code.isDark(row: 0, column: column) {
            fill(x: x + column * module, y: y, width: module, height: height)
        }
        return code.columns * module
    }

    /// Draws a 2D code with square modules of `module` dots from (x, y).
    public mutating func drawMatrix(_ code: BarcodeModules, x: Int, y: Int, module: Int) {
        for row in 0..<code.rows {
            for column in 0..<code.columns where code.isDark(row: row, column: column) {
                fill(x: x + column * module, y: y + row * module, width: module, height: module)
            }
        }
    }
}
