import CPNG
import Foundation

/// The languages and files kioskd prints in.
public enum PrintFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Zebra Programming Language: label printers (Zebra and compatibles), each label a `^GF` graphic.
    case zpl
    /// ESC/POS: receipt printers (the job ticket), a `GS v 0` raster image and a cut.
    case escpos
    /// A PDF of A4 sheets, for an office printer.
    case pdf
    /// PNG images (one per A4 sheet), for a preview.
    case png
}

public enum OutputError: Error, Sendable, Hashable, CustomStringConvertible {
    case pngFailed(String)
    case compressionFailed(Int32)
    public var description: String {
        switch self {
        case .pngFailed(let message): "PNG 写入失败 / cannot write the PNG: \(message)"
        case .compressionFailed(let code): "PDF 压缩失败 / cannot compress the PDF page (zlib \(code))"
        }
    }
}

/// Labels laid out on A4 sheets (office label sheets, previews), 5 mm margins, 3 mm gaps.
public enum Sheet {
    public static func a4(_ labels: [LabelBitmap], dpi: Int) -> [LabelBitmap] {
        let page = LabelBitmap(width: Int(210 * Double(dpi) / 25.4), height: Int(297 * Double(dpi) / 25.4), dpi: dpi)
        let margin = page.dots(5), gap = page.dots(3)
        var pages: [LabelBitmap] = []
        var current = page
        var x = margin, y = margin, rowHeight = 0, placed = 0
        for label in labels {
            if x + label.width > page.width - margin { x = margin; y += rowHeight + gap; rowHeight = 0 }
            if y + label.height > page.height - margin, placed > 0 {
                pages.append(current); current = page; x = margin; y = margin; rowHeight = 0; placed = 0
            }
            current.draw(label, x: x, y: y)
            // A thin cutting frame around each label.
            current.fill(x: x - 1, y: y - 1, width: label.width + 2, height: 1, value: 170)
            current.fill(x: x - 1, y: y + label.height, width: label.width + 2, height: 1, value: 170)
            current.fill(x: x - 1, y: y - 1, width: 1, height: label.height + 2, value: 170)
            current.fill(x: x + label.width, y: y - 1, width: 1, height: label.height + 2, value: 170)
            x += label.width + gap
            rowHeight = max(rowHeight, label.height)
            placed += 1
        }
        if placed > 0 { pages.append(current) }
        return pages
    }
}

extension LabelBitmap {
    /// An 8-bit grey PNG (libpng).
    public func png() throws(OutputError) -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        var size: Int = 0
        var ok = pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, Int32(width), nil) }
        guard ok != 0 else { throw .pngFailed(Self.message(of: image)) }
        var data = Data(count: size)
        ok = data.withUnsafeMutableBytes { out in
            pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, Int32(width), nil) }
        }
        guard ok != 0 else { throw .pngFailed(Self.message(of: image)) }
        return data.prefix(size)
    }

    /// libpng's message, from the fixed C array in its image struct.
    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { bytes in String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The label as ZPL: the whole label one `^GFA` graphic field (so Chinese text prints on
    /// any Zebra-compatible printer without a downloaded font), `copies` times.
    public func zpl(copies: Int = 1) -> Data {
        let (bytesPerRow, data) = packedRows()
        var hex = ""
        hex.reserveCapacity(data.count * 2)
        let digits = Array("0123456789ABCDEF")
        for byte in data { hex.append(digits[Int(byte >> 4)]); hex.append(digits[Int(byte & 15)]) }
        return Data("^XA^CI28^PW\(width)^LL\(height)^LH0,0^FO0,0^GFA,\(data.count),\(data.count),\(bytesPerRow),\(hex)^FS^PQ\(copies)^XZ\n".utf8)
    }

    /// The image as ESC/POS for a receipt printer: initialise, `GS v 0` raster, feed, partial cut.
    public func escpos() -> Data {
        let (bytesPerRow, data) = packedRows()
        var out: [UInt8] = [0x1B, 0x40]                              // ESC @: initialise
        out += [0x1B, 0x61, 0x01]                                    // ESC a 1: centre
        out += [0x1D, 0x76, 0x30, 0x00,                              // GS v 0 m=0
                UInt8(bytesPerRow & 0xFF), UInt8(bytesPerRow >> 8), UInt8(height & 0xFF), UInt8(height >> 8)]
        out += data
        out += [0x1B, 0x64, 0x04]                                    // ESC d 4: feed 4 lines
        out += [0x1D, 0x56, 0x42, 0x00]                              // GS V 66 0: feed and partial cut
        return Data(out)
    }
}

/// A PDF of pages, each one image (1 bit per dot, Flate-compressed), sized to the page.
public enum PDFDocument {
    public static func make(pages: [LabelBitmap]) throws(OutputError) -> Data {
        var objects: [Data] = []
        // 1: catalog, 2: pages, then per page: page, contents, image.
        var kids: [String] = []
        var pageObjects: [Data] = []
        for (index, page) in pages.enumerated() {
            let pageID = 3 + index * 3, contentID = pageID + 1, imageID = pageID + 2
            kids.append("\(pageID) 0 R")
            let w = Double(page.width) * 72 / Double(page.dpi), h = Double(page.height) * 72 / Double(page.dpi)
            let size = String(format: "%.2f %.2f", w, h)
            pageObjects.append(Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(size)] /Resources << /XObject << /Im\(index) \(imageID) 0 R >> >> /Contents \(contentID) 0 R >>".utf8))
            let content = "q \(size.replacingOccurrences(of: " ", with: " 0 0 ")) 0 0 cm /Im\(index) Do Q"
            pageObjects.append(Data("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream".utf8))
            let (bytesPerRow, rows) = page.packedRows()
            _ = bytesPerRow
            let compressed = try deflate(rows)
            var image = Data("<< /Type /XObject /Subtype /Image /Width \(page.width) /Height \(page.height) /ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0] /Filter /FlateDecode /Length \(compressed.count) >>\nstream\n".utf8)
            image += compressed
            image += Data("\nendstream".utf8)
            pageObjects.append(image)
        }
        objects.append(Data("<< /Type /Catalog /Pages 2 0 R >>".utf8))
        objects.append(Data("<< /Type /Pages /Kids [\(kids.joined(separator: " "))] /Count \(pages.count) >>".utf8))
        objects += pageObjects
        var pdf = Data("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (i, object) in objects.enumerated() {
            offsets.append(pdf.count)
            pdf += Data("\(i + 1) 0 obj\n".utf8) + object + Data("\nendobj\n".utf8)
        }
        let xref = pdf.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        pdf += Data(table.utf8)
        return pdf
    }

    static func deflate(_ bytes: [UInt8]) throws(OutputError) -> Data {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = compress2(&out, &length, bytes, uLong(bytes.count), 9)
        guard status == Z_OK else { throw .compressionFailed(status) }
        return Data(out.prefix(Int(length)))
    }
}
