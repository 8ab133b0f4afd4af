import ArgumentParser
import Foundation
import Scanner

struct ScanImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan-image",
        abstract: "Decode every barcode in image files (PGM, PPM or PNG) with zbar.",
        discussion: "Prints one line per symbol: FILE<TAB>SYMBOLOGY<TAB>TEXT. Exits 4 if a file has no symbol.")

    @Option(name: .long, parsing: .upToNextOption,
            help: "Look only for these symbologies: \(Symbology.allCases.map(\.rawValue).joined(separator: ", ")) (default: all).")
    var symbology: [String] = []

    @Argument(help: "Image files.")
    var files: [String]

    func validate() throws {
        for name in symbology where Symbology(rawValue: name) == nil {
            throw ValidationError("--symbology \(name) is unknown: use \(Symbology.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let decoder = ZBarDecoder(symbologies: symbology.isEmpty ? nil : Set(symbology.compactMap(Symbology.init)))
        var empty = false
        for file in files {
            let image: GrayImage
            do { image = try GrayImage.load(path: file) } catch { throw Refused(error.description) }
            let symbols = decoder.decode(image)
            if symbols.isEmpty {
                FileHandle.standardError.write(Data("\(file): 未找到条码 no barcode found\n".utf8))
                empty = true
            }
            for symbol in symbols {
                let shown = symbol.scanText.replacingOccurrences(of: "\u{1D}", with: "<GS>")
                print("\(file)\t\(symbol.symbology)\(symbol.isGS1 ? "(GS1)" : "")\t\(shown)")
            }
        }
        if empty { throw ExitCode(4) }
    }
}
