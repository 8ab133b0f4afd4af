/// A printed page or label as dots: 8-bit grey, 0 black and 255 white, at a resolution in
/// dots per inch. Label printers print it as it is (1 bit per dot after thresholding).
public struct LabelBitmap: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public let dpi: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, dpi: Int) {
        self.width = width
        self.height = height
        self.dpi = dpi
        pixels = [UInt8](repeating: 255, count: width * height)
    }

    /// Dots for a length in millimetres at this resolution.
    public func dots(_ millimetres: Double) -> Int { Int((millimetres * Double(dpi) / 25.4).rounded()) }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Paints a rectangle black (clipped to the bitmap).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, value: UInt8 = 0) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            let base = row * width
            for column in x0..<x1 { pixels[base + column] = value }
        }
    }

    /// Darkens a dot by a coverage (0…255, from anti-aliased text).
    mutating func darken(x: Int, y: Int, coverage: UInt8) {
        guard x >= 0, y >= 0, x < width, y < height, coverage > 0 else { return }
        let i = y * width + x
        pixels[i] = min(pixels[i], 255 - coverage)
    }

    /// Copies another bitmap in at (x, y).
    public mutating func draw(_ other: LabelBitmap, x: Int, y: Int) {
        for row in 0..<other.height where y + row >= 0 && y + row < height {
            for column in 0..<other.width where x + column >= 0 && x + column < width {
                self[x + column, y + row] = min(self[x + column, y + row], other[column, row])
            }
        }
    }

    /// Rows of 1-bit dots, most significant bit first, 1 = black: what ZPL's `^GF` and
    /// ESC/POS's raster image take. Grey below 128 is black.
    public func packedRows() -> (bytesPerRow: Int, data: [UInt8]) {
        let bytesPerRow = (width + 7) / 8
        var data = [UInt8](repeating: 0, count: bytesPerRow * height)
        for y in 0..<height {
            for x in 0..<width where pixels[y * width + x] < 128 {
                data[y * bytesPerRow + x / 8] |= 0x80 >> UInt8(x % 8)
            }
        }
        return (bytesPerRow, data)
    }

    /// The bitmap of 1-bit rows (the inverse of ``packedRows()``), for checking what a printer gets.
    public static func unpack(rows data: [UInt8], bytesPerRow: Int, width: Int, dpi: Int) -> LabelBitmap {
        let height = bytesPerRow == 0 ? 0 : data.count / bytesPerRow
        var bitmap = LabelBitmap(width: width, height: height, dpi: dpi)
        for y in 0..<height {
            for x in 0..<width where data[y * bytesPerRow + x / 8] & (0x80 >> UInt8(x % 8)) != 0 {
                bitmap.pixels[y * width + x] = 0
            }
        }
        return bitmap
    }
}
