import CExif
import CJPEG
import CPNG
import Foundation

/// An 8-bit grayscale image (zbar's Y800 format), one byte a pixel, rows top to bottom.
public struct GrayImage: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "pixel count must be width × height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Why an image file could not be read.
public enum ImageFileError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case unsupportedFormat(path: String)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason): "无法读取图像 \(path) / cannot read image \(path): \(reason)"
        case .unsupportedFormat(let path): "不支持的图像格式 \(path)：请使用 JPEG、PNG、PGM 或 PPM / unsupported image format \(path): use JPEG, PNG, PGM or PPM"
        case let .malformed(path, reason): "图像文件损坏 \(path) / malformed image \(path): \(reason)"
        }
    }
}

extension GrayImage {
    /// Reads a JPEG, PNG, PGM (P2/P5) or PPM (P3/P6) file and converts it to grayscale, upright
    /// as a phone shows it: a JPEG's EXIF orientation is applied. PNG may be grey, colour,
    /// palette or 16-bit; JPEG grey, YCbCr, CMYK or YCCK.
    public static func load(path: String) throws(ImageFileError) -> GrayImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try loadPNG(bytes, path: path) }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return try loadJPEG(bytes, path: path) }
        if bytes.count > 2, bytes[0] == UInt8(ascii: "P"), [UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6")].contains(bytes[1]) {
            return try parseNetpbm(bytes, path: path)
        }
        throw .unsupportedFormat(path: path)
    }

    static func loadPNG(_ bytes: [UInt8], path: String) throws(ImageFileError) -> GrayImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else { throw .malformed(path: path, reason: pngMessage(&image)) }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let width = Int(image.width), height = Int(image.height)
        guard width * height <= maximumPixels else {
            png_image_free(&image)
            throw .malformed(path: path, reason: "\(width)×\(height) is more than \(maximumPixels) pixels")
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        // Transparent pixels are composed over white, as on paper.
        var background = png_color(red: 255, green: 255, blue: 255)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, &background, $0.baseAddress, Int32(width), nil)
        }
        guard finished != 0 else { throw .malformed(path: path, reason: pngMessage(&image)) }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// The largest image read (64 megapixels, twice a phone's): a file claiming more is refused
    /// before memory is taken for it.
    public static let maximumPixels = 1 << 26

    static func loadJPEG(_ bytes: [UInt8], path: String) throws(ImageFileError) -> GrayImage {
        var decoded = kioskd_jpeg_image()
        let status = bytes.withUnsafeBufferPointer {
            kioskd_jpeg_read($0.baseAddress, UInt($0.count), UInt(maximumPixels), &decoded)
        }
        defer { kioskd_jpeg_free(&decoded) }
        guard status == 0, let start = decoded.pixels else {
            let reason = withUnsafeBytes(of: &decoded.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw .malformed(path: path, reason: reason.isEmpty ? "not a JPEG libjpeg can read" : reason)
        }
        let width = Int(decoded.width), height = Int(decoded.height)
        let image = GrayImage(width: width, height: height, pixels: Array(UnsafeBufferPointer(start: start, count: width * height)))
        guard let exif = decoded.exif else { return image }
        return image.oriented(exif: Int(kioskd_exif_orientation(exif, decoded.exif_length)))
    }

    private static func pngMessage(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Parses Netpbm gray and colour maps, plain (P2/P3) or raw (P5/P6), maxval up to 65535.
    static func parseNetpbm(_ bytes: [UInt8], path: String) throws(ImageFileError) -> GrayImage {
        let kind = bytes[1]
        var index = 2
        func token() -> Int? {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                } else { break }
            }
            var value = 0, digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
                if value > 1 << 24 { return nil }
            }
            return digits > 0 ? value : nil
        }
        guard let width = token(), let height = token(), let maxval = token(),
              width > 0, height > 0, width * height <= 1 << 26, (1...65535).contains(maxval) else {
            throw .malformed(path: path, reason: "bad header")
        }
        let channels = (kind == UInt8(ascii: "3") || kind == UInt8(ascii: "6")) ? 3 : 1
        let sampleBytes = maxval > 255 ? 2 : 1
        var samples = [Int]()
        samples.reserveCapacity(width * height * channels)
        if kind == UInt8(ascii: "5") || kind == UInt8(ascii: "6") {
            index += 1 // the single whitespace after maxval
            let needed = width * height * channels * sampleBytes
            guard bytes.count - index >= needed else { throw .malformed(path: path, reason: "truncated pixel data") }
            for i in 0..<(width * height * channels) {
                let at = index + i * sampleBytes
                samples.append(sampleBytes == 2 ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at]))
            }
        } else {
            for _ in 0..<(width * height * channels) {
                guard let v = token() else { throw .malformed(path: path, reason: "truncated pixel data") }
                samples.append(v)
            }
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        for p in 0..<(width * height) {
            let luma = channels == 1 ? samples[p]
                : (299 * samples[3 * p] + 587 * samples[3 * p + 1] + 114 * samples[3 * p + 2]) / 1000
            pixels[p] = UInt8(clamping: luma * 255 / maxval)
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}

extension GrayImage {
    /// The image as a binary PGM (P5) file, for saving camera frames and test images.
    public var pgm: [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }
}
