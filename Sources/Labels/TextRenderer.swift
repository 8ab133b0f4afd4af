import CFreeType
import Foundation

/// Why text could not be set.
public enum FontError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound([String])
    case cannotLoad(String, code: Int32)
    public var description: String {
        switch self {
        case .notFound(let paths):
            "找不到中文字体 / no CJK font found (looked at \(paths.joined(separator: ", "))): apt-get install fonts-noto-cjk, or set [labels] font"
        case let .cannotLoad(path, code): "无法加载字体 \(path) / FreeType cannot load the font \(path) (error \(code))"
        }
    }
}

/// Sets Chinese and English text into bitmaps with FreeType and a CJK font (Noto Sans CJK SC
/// from Debian's fonts-noto-cjk by default). One renderer per thread of work: FreeType faces
/// are not thread-safe.
public final class TextRenderer {
    /// Where Debian puts the fonts kioskd looks for, in order.
    public static let defaultFonts = [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    ]

    private var library: FT_Library?
    private var face: FT_Face?

    /// Opens `font`, or the first of ``defaultFonts`` that exists. In a Noto CJK collection
    /// the Simplified Chinese face is picked.
    public init(font: String? = nil) throws(FontError) {
        let candidates = font.map { [$0] } ?? Self.defaultFonts
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { throw .notFound(candidates) }
        var status = FT_Init_FreeType(&library)
        guard status == 0 else { throw .cannotLoad(path, code: status) }
        // Noto Sans CJK collections hold JP, KR, SC, TC, HK in that order.
        let index = path.hasSuffix("NotoSansCJK-Regular.ttc") || path.hasSuffix("NotoSansCJK-Bold.ttc") ? 2 : 0
        status = FT_New_Face(library, path, index, &face)
        guard status == 0 else { FT_Done_FreeType(library); throw .cannotLoad(path, code: status) }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    /// The width in dots of `text` at `size` dots (the em height).
    public func width(_ text: String, size: Int) -> Int {
        guard let face else { return 0 }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        var width = 0
        for scalar in text.unicodeScalars where FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_DEFAULT)) == 0 {
            width += Int(face.pointee.glyph.pointee.advance.x >> 6)
        }
        return width
    }

    /// Draws `text` with its top-left at (x, y), `size` dots tall, at most `maxWidth` wide
    /// (smaller type when it would not fit). Returns the width drawn.
    @discardableResult
    public func draw(_ text: String, into bitmap: inout LabelBitmap, x: Int, y: Int, size: Int, maxWidth: Int? = nil) -> Int {
        guard let face else { return 0 }
        var size = size
        if let maxWidth { while size > 8 && width(text, size: size) > maxWidth { size -= 1 } }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        let ascender = Int(face.pointee.size.pointee.metrics.ascender >> 6)
        var penX = x
        for scalar in text.unicodeScalars {
            guard FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0 else { continue }
            let glyph = face.pointee.glyph.pointee
            let bitmapData = glyph.bitmap
            let left = penX + Int(glyph.bitmap_left), top = y + ascender - Int(glyph.bitmap_top)
            if let buffer = bitmapData.buffer {
                for row in 0..<Int(bitmapData.rows) {
                    for column in 0..<Int(bitmapData.width) {
                        bitmap.darken(x: left + column, y: top + row, coverage: buffer[row * Int(bitmapData.pitch) + column])
                    }
                }
            }
            penX += Int(glyph.advance.x >> 6)
        }
        return penX - x
    }
}
