import Foundation
import KioskCore
import Testing
@testable import Scanner

/// The reading pipeline on images made during the test by Debian's `zint` and `qrencode` and
/// by Pillow (JPEG, EXIF, PNG variants): what the first pass reads, what only a later pass
/// reads, what libdmtx adds, and that nothing is read where there is no code.
@Suite("Reading photos and worn codes")
struct BarcodeReaderTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(tool) \(arguments.prefix(3)) failed: \(message)")
    }

    /// Runs a Pillow script with `out` as its first argument.
    func pillow(_ script: String, _ arguments: [String] = []) throws {
        try run("/usr/bin/python3", ["-c", "import sys\nfrom PIL import Image, ImageOps\n" + script] + arguments)
    }

    func zint(_ arguments: [String], to name: String) throws -> String {
        try run("/usr/bin/zint", arguments + ["-o", path(name)])
        return path(name)
    }

    @Test("Data Matrix and GS1 DataMatrix, drawn to the edge as zint draws them, are read through libdmtx")
    func dataMatrix() throws {
        let reader = BarcodeReader()
        let plain = try reader.read(GrayImage.load(path: zint(["-b", "71", "--scale=3", "-d", "KD:PART:90915-YZZD2"], to: "dm.png")))
        #expect(plain.symbols.map { "\($0.symbology) \($0.text) \($0.isGS1)" } == ["DATAMATRIX KD:PART:90915-YZZD2 false"])
        let gs1 = try reader.read(GrayImage.load(path: zint(["-b", "71", "--gs1", "--scale=3", "-d", "[01]09501101530003[10]AB123[17]260531"], to: "gs1.png")))
        let symbol = try #require(gs1.symbols.first)
        #expect(symbol.isGS1 && symbol.scanText.hasPrefix("]d2"))
        #expect(try GS1ElementString.parse(symbol.scanText).humanReadable == "(01)09501101530003(10)AB123(17)260531")
        // Without Data Matrix in the set, libdmtx is not asked.
        #expect(try BarcodeReader(symbologies: [.qr, .code128]).read(GrayImage.load(path: path("dm.png"))).symbols.isEmpty)
    }

    @Test("A Code 128 label turned 35° is missed by the first pass and read by a later one")
    func turnedLinearCode() throws {
        let label = try GrayImage.load(path: zint(["-b", "20", "--scale=2", "-d", "KD:BIN:A-01-03"], to: "bin.png"))
        let turned = label.rotated(by: 35)
        #expect(BarcodeReader(passes: [.asIs]).read(turned).symbols.isEmpty)
        let reading = BarcodeReader().read(turned, budget: .seconds(2))
        #expect(reading.symbols.map(\.text) == ["KD:BIN:A-01-03"])
        #expect(reading.pass != nil && reading.pass != .asIs && reading.pass != .quick)
        #expect(reading.tried.prefix(2).map(\.pass) == [.quick, .asIs])
    }

    @Test("A faint print under sensor noise is missed by the first pass and read once smoothed")
    func faintNoisyPrint() throws {
        let code = try GrayImage.load(path: zint(["-b", "20", "--scale=3", "-d", "KD:BIN:C-12"], to: "c.png"))
        // Ink and paper 25 levels apart, noise of about 5 levels (a dim webcam).
        var state: UInt64 = 3
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let faint = GrayImage(width: code.width, height: code.height, pixels: code.pixels.map { value in
            let noise = (uniform() + uniform() + uniform() + uniform() - 2) * 8.7
            return UInt8(clamping: Int((100 + Double(value) * 0.1 + noise).rounded()))
        })
        #expect(BarcodeReader(passes: [.asIs]).read(faint).symbols.isEmpty)
        let reading = BarcodeReader().read(faint, budget: .seconds(5))
        #expect(reading.symbols.map(\.text) == ["KD:BIN:C-12"])
        #expect(reading.pass != nil && reading.pass != .asIs && reading.pass != .quick)
    }

    @Test("Noise, a gradient and a page of text-like strokes read as nothing, through every pass")
    func nothingWhereThereIsNoCode() {
        var state: UInt64 = 20261205
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let noise = GrayImage(width: 320, height: 240, pixels: (0..<(320 * 240)).map { _ in next() })
        let gradient = GrayImage(width: 320, height: 240, pixels: (0..<(320 * 240)).map { UInt8($0 % 320 * 255 / 320) })
        let strokes = GrayImage(width: 320, height: 240, pixels: (0..<(320 * 240)).map { i in
            let (x, y) = (i % 320, i / 320)
            return (y / 12) % 2 == 0 && (x * 7 + y * 3) % 23 < 4 ? 20 : 235
        })
        let reader = BarcodeReader()
        for image in [noise, gradient, strokes] {
            let reading = reader.read(image, budget: .seconds(5))
            #expect(reading.symbols.isEmpty, "read \(reading.symbols.map(\.text)) in an image without a code")
            #expect(reading.tried.map(\.pass) == ReadingPass.standard)
        }
    }

    @Test("The budget stops the passes: the first always runs, the rest only while time is left")
    func budget() {
        let blank = GrayImage(width: 640, height: 480, pixels: [UInt8](repeating: 200, count: 640 * 480))
        let reading = BarcodeReader().read(blank, budget: .zero)
        #expect(reading.tried.map(\.pass) == [.quick])
        #expect(reading.outOfTime)
    }

    @Test("JPEG photos load as shown: grey, colour and Adobe CMYK; every EXIF orientation is turned upright")
    func jpeg() throws {
        _ = try zint(["-b", "58", "--scale=4", "-d", "KD:PART:04465-33450"], to: "qr.png")
        // Every variant below must read as the same QR; the orientation ones must also keep the
        // dark mark that is top left when the photo is shown.
        try pillow("""
            src = Image.open(sys.argv[1]).convert('L')
            w, h = src.size
            shown = Image.new('L', (w + 60, h + 20), 255); shown.paste(src, (50, 10))
            for x in range(0, 30):
                for y in range(0, 30): shown.putpixel((x, y), 0)
            shown.save(sys.argv[2] + '/grey.jpg', quality=60)
            shown.convert('RGB').save(sys.argv[2] + '/colour.jpg', quality=60)
            shown.convert('CMYK').save(sys.argv[2] + '/cmyk.jpg', quality=80)
            stored = {1: lambda i: i, 2: lambda i: i.transpose(Image.FLIP_LEFT_RIGHT), 3: lambda i: i.transpose(Image.ROTATE_180),
                      4: lambda i: i.transpose(Image.FLIP_TOP_BOTTOM), 5: lambda i: i.transpose(Image.TRANSPOSE),
                      6: lambda i: i.transpose(Image.ROTATE_90), 7: lambda i: i.transpose(Image.TRANSVERSE), 8: lambda i: i.transpose(Image.ROTATE_270)}
            for o, f in stored.items():
                exif = Image.Exif(); exif[0x0112] = o
                path = sys.argv[2] + f'/orientation-{o}.jpg'
                f(shown).save(path, quality=85, exif=exif)
                # Pillow's own reading of the orientation is the reference: it must give back the shown image.
                assert ImageOps.exif_transpose(Image.open(path)).size == shown.size, o
            """, [path("qr.png"), directory.path])
        let reader = BarcodeReader()
        for name in ["grey", "colour", "cmyk"] + (1...8).map { "orientation-\($0)" } {
            let image = try GrayImage.load(path: path("\(name).jpg"))
            #expect(reader.read(image).symbols.map(\.text) == ["KD:PART:04465-33450"], "\(name).jpg")
            if name.hasPrefix("orientation") || name == "cmyk" {
                #expect(image.pixels[5 * image.width + 5] < 80 && image.pixels[(image.height - 5) * image.width + image.width - 5] > 180,
                        "\(name).jpg is not upright (or, for CMYK, inverted): the dark mark is not top left")
            }
        }
    }

    @Test("16-bit, palette and grey-with-alpha PNGs load like the 8-bit grey one")
    func pngVariants() throws {
        _ = try zint(["-b", "58", "--scale=4", "-d", "KD:BIN:P-01"], to: "p.png")
        try pillow("""
            src = Image.open(sys.argv[1]).convert('L')
            src.convert('I').point(lambda v: v * 257).save(sys.argv[2] + '/sixteen.png')
            src.convert('P').save(sys.argv[2] + '/palette.png')
            src.convert('LA').save(sys.argv[2] + '/alpha.png')
            assert Image.open(sys.argv[2] + '/sixteen.png').mode.startswith('I')
            """, [path("p.png"), directory.path])
        let reference = try GrayImage.load(path: path("p.png"))
        for name in ["sixteen", "palette", "alpha"] {
            let image = try GrayImage.load(path: path("\(name).png"))
            #expect(image.width == reference.width && image.height == reference.height, "\(name).png")
            #expect(BarcodeReader().read(image).symbols.map(\.text) == ["KD:BIN:P-01"], "\(name).png")
        }
    }

    @Test("A truncated or foreign file is refused with what is wrong, never read as a code")
    func badFiles() throws {
        _ = try zint(["-b", "58", "-d", "KD:BIN:T-01"], to: "t.png")
        try pillow("Image.open(sys.argv[1]).convert('L').save(sys.argv[2], quality=70)", [path("t.png"), path("t.jpg")])
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: path("t.jpg")))
        try jpeg.prefix(jpeg.count / 3).write(to: URL(fileURLWithPath: path("cut.jpg")))
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0]).write(to: URL(fileURLWithPath: path("header.jpg")))
        try Data("GIF89a".utf8).write(to: URL(fileURLWithPath: path("a.gif")))
        // A cut JPEG decodes what it has (libjpeg fills the rest), which must still not invent a code.
        if let cut = try? GrayImage.load(path: path("cut.jpg")) { #expect(cut.width > 0) }
        #expect(throws: ImageFileError.self) { try GrayImage.load(path: path("header.jpg")) }
        do {
            _ = try GrayImage.load(path: path("a.gif"))
            Issue.record("a GIF was read")
        } catch {
            #expect(error.description.contains("JPEG, PNG, PGM or PPM"))
        }
    }

    @Test("EXIF orientation turns pixels as the standard says, checked pixel by pixel on a 3 × 2 image")
    func orientationTable() {
        // Stored pixels 1 2 3 / 4 5 6; shown, per orientation (TIFF 6.0 / EXIF 2.3 tag 0x0112).
        let stored = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        let shown: [Int: [UInt8]] = [1: [1, 2, 3, 4, 5, 6], 2: [3, 2, 1, 6, 5, 4], 3: [6, 5, 4, 3, 2, 1], 4: [4, 5, 6, 1, 2, 3],
                                     5: [1, 4, 2, 5, 3, 6], 6: [4, 1, 5, 2, 6, 3], 7: [6, 3, 5, 2, 4, 1], 8: [3, 6, 2, 5, 1, 4]]
        for (orientation, pixels) in shown.sorted(by: { $0.key < $1.key }) {
            let turned = stored.oriented(exif: orientation)
            #expect(turned.pixels == pixels, "orientation \(orientation)")
            #expect((turned.width, turned.height) == (orientation >= 5 ? (2, 3) : (3, 2)))
        }
    }
}
