import CZBar

/// A symbol zbar found in an image.
public struct DecodedSymbol: Sendable, Hashable {
    /// The decoded text; for a GS1 symbol, with GS (0x1D) between variable-length elements.
    public var text: String
    /// zbar's name of the symbology (`QR-Code`, `CODE-128`, `EAN-13`, `CODE-39`…).
    public var symbology: String
    /// Whether the symbol is marked as GS1 (FNC1 in first position).
    public var isGS1: Bool
    public var quality: Int

    /// The text a GS1 parser expects: GS1 symbols carry their symbology identifier.
    public var scanText: String {
        guard isGS1 else { return text }
        return switch symbology {
        case "QR-Code": "]Q3" + text
        case DataMatrixDecoder.symbologyName: "]d2" + text
        case "DataBar", "DataBar-Exp": "]e0" + text
        default: "]C1" + text
        }
    }
}

/// The symbologies a decoder looks for. Enabling only those the store uses halves the
/// decode time of a noisy frame.
public enum Symbology: String, Sendable, Hashable, CaseIterable {
    case qr, code128, ean13, ean8, upca, code39, i25, dataBar
    /// Data Matrix (GS1 DataMatrix on parts), read with libdmtx: zbar 0.23 has none.
    case dataMatrix

    /// zbar's type for it; nil for Data Matrix.
    var zbarType: zbar_symbol_type_t? {
        switch self {
        case .dataMatrix: nil
        case .qr: ZBAR_QRCODE
        case .code128: ZBAR_CODE128
        case .ean13: ZBAR_EAN13
        case .ean8: ZBAR_EAN8
        case .upca: ZBAR_UPCA
        case .code39: ZBAR_CODE39
        case .i25: ZBAR_I25
        case .dataBar: ZBAR_DATABAR
        }
    }
}

/// Decodes barcodes in grayscale frames with libzbar, in process.
///
/// One decoder owns one zbar image scanner; use it from one task at a time.
public final class ZBarDecoder {
    private let scanner: OpaquePointer

    /// - Parameters:
    ///   - symbologies: what to look for; `nil` enables every symbology zbar knows.
    ///   - density: scan every `density`th line across and down (1: every line; 2: half the time).
    public init(symbologies: Set<Symbology>? = nil, density: Int = 1) {
        scanner = zbar_image_scanner_create()
        if density != 1 {
            zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, Int32(density))
            zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, Int32(density))
        }
        if let symbologies {
            zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
            for type in symbologies.compactMap(\.zbarType) {
                zbar_image_scanner_set_config(scanner, type, ZBAR_CFG_ENABLE, 1)
            }
        } else {
            zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 1)
        }
        // A QR code's bytes as they are: zbar would guess their character set and turn UTF-8
        // Chinese ("配件") into Shift-JIS mojibake; ``text(of:)`` decides instead.
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
    }

    deinit { zbar_image_scanner_destroy(scanner) }

    /// A symbol's bytes as text: UTF-8 when they are valid UTF-8 (what phones, qrencode and
    /// kioskd write), otherwise ISO 8859-1, the QR standard's default for byte mode.
    static func text(of bytes: [UInt8]) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Every symbol found in the frame (none is not an error).
    public func decode(_ frame: GrayImage) -> [DecodedSymbol] {
        let image = zbar_image_create()!
        defer { zbar_image_destroy(image) }
        // "Y800": 8-bit grayscale.
        let y800 = UInt(UInt8(ascii: "Y")) | UInt(UInt8(ascii: "8")) << 8 | UInt(UInt8(ascii: "0")) << 16 | UInt(UInt8(ascii: "0")) << 24
        zbar_image_set_format(image, y800)
        zbar_image_set_size(image, UInt32(frame.width), UInt32(frame.height))
        return frame.pixels.withUnsafeBytes { buffer -> [DecodedSymbol] in
            // zbar only reads the buffer during zbar_scan_image; no clean-up handler needed.
            zbar_image_set_data(image, buffer.baseAddress, UInt(buffer.count), nil)
            guard zbar_scan_image(scanner, image) > 0 else { return [] }
            var symbols: [DecodedSymbol] = []
            var symbol = zbar_image_first_symbol(image)
            while let current = symbol {
                let length = Int(zbar_symbol_get_data_length(current))
                let text = zbar_symbol_get_data(current).map {
                    Self.text(of: Array(UnsafeRawBufferPointer(start: $0, count: length)))
                } ?? ""
                let isGS1 = zbar_symbol_get_modifiers(current) & (1 << ZBAR_MOD_GS1.rawValue) != 0
                symbols.append(DecodedSymbol(text: text, symbology: String(cString: zbar_get_symbol_name(zbar_symbol_get_type(current))),
                                             isGS1: isGS1, quality: Int(zbar_symbol_get_quality(current))))
                symbol = zbar_symbol_next(current)
            }
            return symbols
        }
    }
}
