import ArgumentParser
import Foundation
import Scanner

struct ScanImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-image",
        abstract: "Read every barcode in image files (JPEG, PNG, PGM or PPM) as the camera does.",
        discussion: """
            Prints one line per symbol: FILE<TAB>SYMBOLOGY<TAB>TEXT (GS shown as <GS>). A photo is read \
            upright as its EXIF orientation says, then looked at again (enlarged, thresholded, \
            sharpened, cropped around code-like areas…) until a pass reads a code or the budget is spent. \
            Exits 4 if a file has no symbol.
            """)

    @Option(name: .long, parsing: .upToNextOption,
            help: "Look only for these symbologies: \(Symbology.allCases.map(\.rawValue).joined(separator: ", ")) (default: the store's: qr code128 ean13 ean8 upca code39 dataMatrix).")
    var symbology: [String] = []

    @Option(name: .long, help: "Milliseconds one image may take before the passes stop (the first pass always runs).")
    var budget: Int = 1000

    @Flag(name: .long, help: "Only zbar once over the image as loaded (what scan-image did before the passes, with the symbologies asked for less Data Matrix), to compare.")
    var singlePass = false

    @Option(name: .long, help: ArgumentHelp("The passes to try, in order (for measuring them): \(ReadingPass.allCases.map(\.rawValue).joined(separator: ",")).", visibility: .hidden))
    var passes: String?

    @Flag(name: .long, help: "Also print which pass read each symbol, and on standard error every pass tried with its time.")
    var explain = false

    @Argument(help: "Image files.")
    var files: [String]

    func validate() throws {
        for name in symbology where Symbology(rawValue: name) == nil {
            throw ValidationError("--symbology \(name) is unknown: use \(Symbology.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let passes, passes.split(separator: ",").isEmpty { throw ValidationError("--passes: name at least one pass") }
        for name in (passes ?? "").split(separator: ",") where ReadingPass(rawValue: String(name)) == nil {
            throw ValidationError("--passes: \(name) is not one of \(ReadingPass.allCases.map(\.rawValue).joined(separator: ","))")
        }
        guard (1...60_000).contains(budget) else { throw ValidationError("--budget \(budget): give 1 to 60000 milliseconds") }
    }

    func run() throws {
        let reader = BarcodeReader(symbologies: symbology.isEmpty ? BarcodeReader.storeSymbologies : Set(symbology.compactMap(Symbology.init)),
                                   passes: singlePass ? [.asIs] : passes.map { $0.split(separator: ",").compactMap { ReadingPass(rawValue: String($0)) } } ?? ReadingPass.standard)
        // --single-pass is what scan-image did before the passes: zbar once over the image as
        // loaded (full size), with the symbologies zbar knows.
        let zbar = ZBarDecoder(symbologies: reader.symbologies.filter { $0 != .dataMatrix })
        var empty = false
        for file in files {
            let image: GrayImage
            do { image = try GrayImage.load(path: file) } catch { throw Refused(error.description) }
            // The time shown is the whole read (shrinking a large photo included), from the
            // image in memory; loading the file is not counted.
            let clock = ContinuousClock(), start = clock.now
            let reading = singlePass ? Self.zbarOnce(image, zbar: zbar) : reader.read(image, budget: .milliseconds(budget))
            let total = clock.now - start
            if explain {
                let passes = reading.tried.map { "\($0.pass.rawValue) \(Self.milliseconds($0.time))" }.joined(separator: ", ")
                FileHandle.standardError.write(Data("\(file): \(image.width)×\(image.height), \(Self.milliseconds(total)) ms: \(passes)\(reading.outOfTime ? " (budget spent)" : "")\n".utf8))
            }
            if reading.symbols.isEmpty {
                FileHandle.standardError.write(Data("\(file): 未找到条码 no barcode found\n".utf8))
                empty = true
            }
            for symbol in reading.symbols {
                let shown = symbol.scanText.replacingOccurrences(of: "\u{1D}", with: "<GS>")
                let how = explain ? "\t\(reading.pass?.rawValue ?? "")" : ""
                print("\(file)\t\(symbol.symbology)\(symbol.isGS1 ? "(GS1)" : "")\t\(shown)\(how)")
            }
        }
        if empty { throw ExitCode(4) }
    }

    static func zbarOnce(_ image: GrayImage, zbar: ZBarDecoder) -> Reading {
        let clock = ContinuousClock()
        var symbols: [DecodedSymbol] = []
        let time = clock.measure { symbols = zbar.decode(image) }
        return Reading(symbols: symbols, pass: symbols.isEmpty ? nil : .asIs, tried: [(.asIs, time)], outOfTime: false)
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
