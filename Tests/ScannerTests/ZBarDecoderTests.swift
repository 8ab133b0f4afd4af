import Foundation
import KioskCore
import Testing
@testable import Scanner

/// Images made during the test by Debian's `qrencode` and `zint`, decoded back with libzbar.
@Suite("zbar decoding of generated images")
struct ZBarDecoderTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-zbar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func generate(_ tool: String, _ arguments: [String]) throws -> String {
        let out = directory.appendingPathComponent("\(UUID().uuidString).png").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments + ["-o", out]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(tool) \(arguments) failed")
        return out
    }

    @Test("QR, Code 128 and EAN-13 decode to their text and symbology")
    func symbologies() throws {
        let decoder = ZBarDecoder()
        let qr = try generate("qrencode", ["KD:WO:WO2026-0042"])
        let code128 = try generate("zint", ["-b", "20", "-d", "KD:BIN:A-01-03"])
        let ean13 = try generate("zint", ["-b", "13", "-d", "690123456789"])
        #expect(decoder.decode(try GrayImage.load(path: qr)).map { "\($0.symbology) \($0.text)" } == ["QR-Code KD:WO:WO2026-0042"])
        #expect(decoder.decode(try GrayImage.load(path: code128)).map { "\($0.symbology) \($0.text)" } == ["CODE-128 KD:BIN:A-01-03"])
        #expect(decoder.decode(try GrayImage.load(path: ean13)).map { "\($0.symbology) \($0.text)" } == ["EAN-13 6901234567892"])
    }

    @Test("A QR code of Chinese text in UTF-8 reads as written, not as zbar's Shift-JIS guess")
    func chineseQR() throws {
        let decoder = ZBarDecoder(symbologies: [.qr])
        for text in ["配件 8720", "取车 WO2026-0042", "刹车片 Brake pads"] {
            let symbols = decoder.decode(try GrayImage.load(path: try generate("qrencode", ["-s", "4", text])))
            #expect(symbols.map(\.text) == [text])
        }
        #expect(ZBarDecoder.text(of: [0x41, 0xE9]) == "Aé")       // not UTF-8: ISO 8859-1
    }

    @Test("GS1-128 and GS1 QR keep the GS1 marker and parse as element strings")
    func gs1() throws {
        let decoder = ZBarDecoder(symbologies: [.code128, .qr])
        for (type, identifier) in [("16", "]C1"), ("58", "]Q3")] {
            let args = type == "58" ? ["-b", type, "--gs1", "-d", "[01]09501101530003[10]AB123[17]260531"]
                                    : ["-b", type, "-d", "[01]09501101530003[10]AB123[17]260531"]
            let symbols = decoder.decode(try GrayImage.load(path: try generate("zint", args)))
            let symbol = try #require(symbols.first)
            #expect(symbol.isGS1)
            #expect(symbol.scanText.hasPrefix(identifier))
            let parsed = try GS1ElementString.parse(symbol.scanText)
            #expect(parsed.humanReadable == "(01)09501101530003(10)AB123(17)260531")
        }
    }

    @Test("PGM (binary and plain) and PPM frames decode like the PNG they came from")
    func netpbm() throws {
        let png = try GrayImage.load(path: try generate("qrencode", ["-s", "6", "KD:CMD:COUNT"]))
        let pgm = directory.appendingPathComponent("frame.pgm").path
        _ = FileManager.default.createFile(atPath: pgm, contents: Data(png.pgm))
        #expect(try GrayImage.load(path: pgm) == png)
        let plain = "P2\n# a comment\n\(png.width) \(png.height)\n255\n" + png.pixels.map(String.init).joined(separator: " ")
        let plainPath = directory.appendingPathComponent("plain.pgm").path
        _ = FileManager.default.createFile(atPath: plainPath, contents: Data(plain.utf8))
        let ppmPath = directory.appendingPathComponent("colour.ppm").path
        _ = FileManager.default.createFile(atPath: ppmPath, contents: Data(Array("P6\n\(png.width) \(png.height)\n255\n".utf8) + png.pixels.flatMap { [$0, $0, $0] }))
        let decoder = ZBarDecoder(symbologies: [.qr])
        for path in [pgm, plainPath, ppmPath] {
            #expect(decoder.decode(try GrayImage.load(path: path)).map(\.text) == ["KD:CMD:COUNT"], "\(path)")
        }
    }

    @Test("VIN labels: Code 39 (with and without the import I) and QR decode to a valid VIN; Data Matrix is not read by zbar")
    func vinLabels() throws {
        let decoder = ZBarDecoder(symbologies: [.code39, .qr])
        for (tool, args) in [("zint", ["-b", "8", "-d", "1M8GDM9AXKP042788"]), ("zint", ["-b", "8", "-d", "I1M8GDM9AXKP042788"]),
                             ("qrencode", ["-s", "4", "1M8GDM9AXKP042788"])] {
            let symbols = decoder.decode(try GrayImage.load(path: try generate(tool, args)))
            let text = try #require(symbols.first?.text, "\(args)")
            #expect(try VIN.parse(text).text == "1M8GDM9AXKP042788", "\(args)")
        }
        // zbar 0.23 has no Data Matrix decoder: such a label needs a scanner that reads it (or the VIN typed).
        let dataMatrix = try generate("zint", ["-b", "71", "-d", "1M8GDM9AXKP042788"])
        #expect(ZBarDecoder().decode(try GrayImage.load(path: dataMatrix)).isEmpty)
    }

    @Test("a camera's YUYV frame (padded lines) decodes through its brightness, as a grey frame does")
    func cameraFrames() throws {
        let code = try GrayImage.load(path: try generate("qrencode", ["-s", "6", "P1"]))
        let (width, height) = (code.width + 40, code.height + 20)
        var yuyv = [UInt8](repeating: 128, count: (width * 2 + 16) * height)   // 16 bytes of padding a line
        var grey = [UInt8](repeating: 200, count: (width + 8) * height)
        for y in 0..<height {
            for x in 0..<width {
                let inside = x >= 20 && x < 20 + code.width && y >= 10 && y < 10 + code.height
                let value = inside ? code.pixels[(y - 10) * code.width + (x - 20)] : 200
                yuyv[y * (width * 2 + 16) + 2 * x] = value
                grey[y * (width + 8) + x] = value
            }
        }
        let decoder = ZBarDecoder(symbologies: [.qr])
        let fromYUYV = yuyv.withUnsafeBytes { GrayImage(yuyv: $0, width: width, height: height, bytesPerLine: width * 2 + 16) }
        let fromGrey = grey.withUnsafeBytes { GrayImage(grey: $0, width: width, height: height, bytesPerLine: width + 8) }
        #expect(fromYUYV == fromGrey)
        #expect(decoder.decode(fromYUYV).map(\.text) == ["P1"])
    }

    @Test("a frame with no code gives no symbol; a symbology not enabled is not reported")
    func nothingFound() throws {
        let blank = GrayImage(width: 640, height: 480, pixels: [UInt8](repeating: 255, count: 640 * 480))
        #expect(ZBarDecoder().decode(blank).isEmpty)
        let ean = try GrayImage.load(path: try generate("zint", ["-b", "13", "-d", "690123456789"]))
        #expect(ZBarDecoder(symbologies: [.qr]).decode(ean).isEmpty)
    }

    @Test("files that are not images get a clear error", arguments: ["P5\n10 10\n255\nshort", "GIF89a", "P5\n-1 3\n255\n"])
    func badFiles(contents: String) throws {
        let path = directory.appendingPathComponent("bad-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
        #expect(throws: ImageFileError.self) { try GrayImage.load(path: path) }
        #expect(throws: ImageFileError.cannotRead(path: "/nonexistent.png", reason: "No such file or directory")) {
            try GrayImage.load(path: "/nonexistent.png")
        }
    }
}
