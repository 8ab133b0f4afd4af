import CDmtx

/// Decodes Data Matrix symbols (ECC 200, GS1 DataMatrix on parts) in grayscale frames with
/// libdmtx, in process. zbar 0.23 reads no Data Matrix: this decoder runs beside it.
///
/// libdmtx looks for the symbol's L-shaped finder along edges; on a frame without one it can
/// search long, so every call has a time limit. Use one decoder from one task at a time.
public struct DataMatrixDecoder: Sendable {
    /// How long one frame may be searched.
    public var timeLimit: Duration
    /// How many symbols to look for in one frame (the search stops after this many).
    public var maximumSymbols: Int

    public init(timeLimit: Duration = .milliseconds(150), maximumSymbols: Int = 4) {
        self.timeLimit = timeLimit
        self.maximumSymbols = maximumSymbols
    }

    /// Every Data Matrix found in the frame within the time limit (none is not an error). A
    /// GS1 DataMatrix (FNC1 first) comes back with `isGS1` and GS (0x1D) between elements.
    public func decode(_ frame: GrayImage) -> [DecodedSymbol] {
        guard frame.width >= 8, frame.height >= 8 else { return [] }
        // libdmtx's finder needs light around the symbol: a code printed (or cropped) to the
        // edge, as zint draws them by default, is found only with a margin added.
        let margin = Self.margin(for: frame)
        let (width, height) = (frame.width + 2 * margin, frame.height + 2 * margin)
        var pixels = [UInt8](repeating: 255, count: width * height)
        frame.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<frame.height {
                    let from = y * frame.width, to = (y + margin) * width + margin
                    target.baseAddress!.advanced(by: to).update(from: source.baseAddress!.advanced(by: from), count: frame.width)
                }
            }
        }
        return pixels.withUnsafeMutableBufferPointer { buffer -> [DecodedSymbol] in
            guard let image = dmtxImageCreate(buffer.baseAddress, Int32(width), Int32(height), Int32(DmtxPack8bppK.rawValue)) else { return [] }
            defer { var i: UnsafeMutablePointer<DmtxImage>? = image; dmtxImageDestroy(&i) }
            // Rows top to bottom, as the frame holds them.
            dmtxImageSetProp(image, Int32(DmtxPropImageFlip.rawValue), Int32(DmtxFlipNone.rawValue))
            guard let decoder = dmtxDecodeCreate(image, 1) else { return [] }
            defer { var d: UnsafeMutablePointer<DmtxDecode>? = decoder; dmtxDecodeDestroy(&d) }
            // FNC1 as GS: the first one marks GS1, the others end variable-length elements.
            dmtxDecodeSetProp(decoder, Int32(DmtxPropFnc1.rawValue), 0x1D)
            let (seconds, attoseconds) = timeLimit.components
            var timeout = dmtxTimeAdd(dmtxTimeNow(), Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
            var symbols: [DecodedSymbol] = []
            while symbols.count < maximumSymbols, let found = dmtxRegionFindNext(decoder, &timeout) {
                var region: UnsafeMutablePointer<DmtxRegion>? = found
                defer { dmtxRegionDestroy(&region) }
                guard let decoded = dmtxDecodeMatrixRegion(decoder, found, DmtxUndefined) else { continue }
                var message: UnsafeMutablePointer<DmtxMessage>? = decoded
                defer { dmtxMessageDestroy(&message) }
                let count = min(Int(decoded.pointee.outputIdx), Int(decoded.pointee.outputSize))
                var bytes = Array(UnsafeBufferPointer(start: decoded.pointee.output, count: count))
                let isGS1 = bytes.first == 0x1D
                if isGS1 { bytes.removeFirst() }
                symbols.append(DecodedSymbol(text: ZBarDecoder.text(of: bytes), symbology: Self.symbologyName,
                                             isGS1: isGS1, quality: 1))
            }
            return symbols
        }
    }

    /// The white margin added around a frame: a few modules of a code that fills it.
    static func margin(for frame: GrayImage) -> Int { max(8, min(frame.width, frame.height) / 12) }

    /// The name a Data Matrix read carries (zbar names its own symbologies the same way).
    public static let symbologyName = "DATAMATRIX"
}
