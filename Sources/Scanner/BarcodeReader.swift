import Foundation

/// One way of looking at a frame. The first always runs; the others are tried in order, only
/// when the ones before found nothing, while the frame's time budget lasts.
public enum ReadingPass: String, Sendable, Hashable, CaseIterable {
    /// zbar on every other scan line of the frame (a large photo shrunk to at most
    /// ``ReadingPass/largestSide``): half zbar's time, and most codes in a fair picture.
    case quick
    /// The frame as it came, full size, every scan line: what zbar alone reads (and libdmtx).
    case asIs = "as-is"
    /// Twice the size: small codes, whose modules are too few pixels for zbar's edge finder.
    case enlarged
    /// Half the size (area average): a large, sharp photo whose bars are many pixels wide and noisy.
    case reduced
    /// Black and white by the local mean (mean-C threshold): uneven light, shadows and glare.
    case binarized
    /// Contrast stretched: a photo taken in poor light.
    case stretched
    /// Edges steepened (unsharp mask): focus and motion blur.
    case sharpened
    /// 3 × 3 average: sensor noise and JPEG speckle.
    case smoothed
    /// White on black read as black on white.
    case inverted
    /// Turned so that the bars stand upright (their angle from the gradients): a 1-D code at an
    /// angle that zbar's scan lines cross badly.
    case rotated
    /// Crops around areas of dense edges, enlarged: a small code in a large frame.
    case regions

    /// The order the reader tries them in, measured on the decoding corpus
    /// (`Tests/Decoding/run`, BENCHMARKS.md "Reading photographs"): each pass is placed by
    /// what it adds there for the time it takes.
    public static let standard: [ReadingPass] = [.quick, .asIs, .rotated, .binarized, .regions, .sharpened, .smoothed, .reduced, .stretched, .enlarged, .inverted]

    /// The longest side the passes work on: phone photos (4000 × 3000) are shrunk to this first.
    public static let largestSide = 1600

    /// Whether libdmtx looks too. Its finder already follows edges at any angle and contrast,
    /// and on a frame without a symbol it searches until its time limit: it looks at the frame
    /// once, and at the crops around code-like areas (small, so quick).
    var readsDataMatrix: Bool {
        switch self {
        case .asIs, .regions: true
        case .quick, .enlarged, .binarized, .stretched, .inverted, .reduced, .sharpened, .smoothed, .rotated: false
        }
    }

    /// The images this pass hands to the decoders, made from `frame` (already shrunk).
    func images(of frame: GrayImage) -> [GrayImage] {
        switch self {
        case .quick, .asIs: [frame]
        case .enlarged: frame.width * frame.height <= 1_200_000 ? [frame.scaled(by: 2)] : []
        case .reduced: frame.width >= 400 ? [frame.scaled(by: 0.5)] : []
        case .binarized:
            // The window spans a few modules of a typical code at this size.
            [frame.binarized(window: max(15, min(frame.width, frame.height) / 24 | 1), offset: 8)]
        case .stretched: [frame.stretched()]
        case .sharpened: [frame.sharpened(amount: 2)]
        case .smoothed: [frame.smoothed()]
        case .inverted: [frame.inverted()]
        case .rotated:
            // Each code-like area (or the frame) turned so that its bars stand upright, when its
            // edges run one way at an angle zbar's scan lines cross badly.
            ((frame.codeRegions().map { frame.cropped(to: $0) }) + [frame]).compactMap { area in
                guard let angle = area.barAngle(), abs(angle.truncatingRemainder(dividingBy: 90)) > 8 else { return nil }
                return area.rotated(by: angle)
            }
        case .regions:
            frame.codeRegions().map { region in
                let crop = frame.cropped(to: region)
                let factor = min(4, max(1, 480 / Double(max(1, min(crop.width, crop.height)))))
                return factor > 1.2 ? crop.scaled(by: factor) : crop
            }
        }
    }
}

/// What the reader found in a frame, and how.
public struct Reading: Sendable {
    /// The symbols of the first pass that found any; empty when none did.
    public var symbols: [DecodedSymbol]
    /// The pass that read them (nil: nothing read).
    public var pass: ReadingPass?
    /// The passes tried, in order, with the time each took.
    public var tried: [(pass: ReadingPass, time: Duration)]
    /// Whether the budget ran out before every pass was tried.
    public var outOfTime: Bool

    public init(symbols: [DecodedSymbol], pass: ReadingPass?, tried: [(pass: ReadingPass, time: Duration)], outOfTime: Bool) {
        (self.symbols, self.pass, self.tried, self.outOfTime) = (symbols, pass, tried, outOfTime)
    }
}

/// Reads barcodes in a frame the way a patient clerk would look again: zbar (and libdmtx for
/// Data Matrix) on the frame as it is, then on images made from it (enlarged, thresholded,
/// stretched, sharpened, cropped, turned…), stopping at the first pass that reads a code and
/// when the frame's time budget is spent. The camera gives it a frame's worth of time;
/// `scan-image` more.
///
/// Symbols read in any pass but as-is are checked harder (a 1-D code must be seen by two of
/// zbar's scan lines), against noise made sharp and a blurred code glimpsed by half the scan
/// lines. This lowers the risk of a misread, it does not remove it: a made image distorts every
/// line of a 1-D code alike, and Code 39 has no check character (0 misreads on the corpus).
///
/// One reader owns its decoders: use it from one task at a time.
public final class BarcodeReader {
    public let symbologies: Set<Symbology>
    public let passes: [ReadingPass]
    private let zbar: ZBarDecoder
    private let quickZbar: ZBarDecoder
    private let readsDataMatrix: Bool
    private let dataMatrixLimit: Duration

    /// The symbologies a store's counter reads when its config names none: QR, Code 128 and
    /// GS1-128, EAN-13/8, UPC-A, Code 39 (VINs) and GS1 DataMatrix.
    public static let storeSymbologies: Set<Symbology> = [.qr, .code128, .ean13, .ean8, .upca, .code39, .dataMatrix]

    /// - Parameters:
    ///   - symbologies: what to look for (fewer is faster).
    ///   - passes: the passes, in order; ``ReadingPass/standard`` unless measuring.
    ///   - dataMatrixLimit: how long libdmtx may search in one pass (shared by its images).
    public init(symbologies: Set<Symbology> = BarcodeReader.storeSymbologies, passes: [ReadingPass] = ReadingPass.standard,
                dataMatrixLimit: Duration = .milliseconds(100)) {
        self.symbologies = symbologies
        precondition(!passes.isEmpty, "a reader needs at least one pass")
        self.passes = passes
        zbar = ZBarDecoder(symbologies: symbologies)
        quickZbar = ZBarDecoder(symbologies: symbologies, density: 2)
        readsDataMatrix = symbologies.contains(.dataMatrix)
        self.dataMatrixLimit = dataMatrixLimit
    }

    private var quietFrames = 0

    /// Reads a camera frame: like ``read(_:budget:)``, but when the first pass reads nothing and
    /// nothing in the frame looks like a code (no area of dense edges: a bare counter) the other
    /// passes are skipped, with a full look every eighth frame, so that an empty view does not
    /// keep a core busy. A frame the first pass reads costs nothing more.
    public func readFrame(_ frame: GrayImage, budget: Duration) -> Reading {
        var quiet = false
        let reading = read(frame, budget: budget) { frame in
            quiet = self.quietFrames < 7 && frame.codeRegions().isEmpty
            return !quiet
        }
        quietFrames = quiet ? quietFrames + 1 : 0
        return reading
    }

    /// Reads the frame: the first pass always, the others while `budget` lasts.
    public func read(_ frame: GrayImage, budget: Duration = .milliseconds(30)) -> Reading {
        read(frame, budget: budget, goOnAfterFirstPass: nil)
    }

    /// The passes in order; when the first reads nothing, `goOnAfterFirstPass` (given the frame)
    /// may stop there.
    private func read(_ frame: GrayImage, budget: Duration, goOnAfterFirstPass: ((GrayImage) -> Bool)?) -> Reading {
        let clock = ContinuousClock()
        let start = clock.now
        let longest = max(frame.width, frame.height)
        let base = longest > ReadingPass.largestSide ? frame.scaled(by: Double(ReadingPass.largestSide) / Double(longest)) : frame
        var tried: [(ReadingPass, Duration)] = []
        // libdmtx's share of the whole read: its limit for the frame and for the crops, and at
        // most a third of the budget (it searches a frame without a symbol until its limit).
        var dataMatrixLeft = min(dataMatrixLimit * 2, budget / 3)
        for (index, pass) in passes.enumerated() {
            if index > 0, clock.now - start >= budget { return Reading(symbols: [], pass: nil, tried: tried, outOfTime: true) }
            let began = clock.now
            let left = min(dataMatrixLimit, dataMatrixLeft, budget - (began - start))
            // As-is is the frame as loaded (given the time, never fewer reads than zbar once
            // over it); libdmtx looks at the shrunk frame, which bounds its time on a large photo.
            let images = pass == .asIs ? [frame] : pass.images(of: base)
            var dataMatrixTime = Duration.zero
            let found = decode(images, with: pass == .quick ? quickZbar : zbar, strict: pass != .asIs,
                               dataMatrixIn: pass == .asIs ? [base] : images, limit: pass.readsDataMatrix ? left : nil,
                               spent: &dataMatrixTime)
            dataMatrixLeft -= dataMatrixTime
            tried.append((pass, clock.now - began))
            if !found.isEmpty { return Reading(symbols: found, pass: pass, tried: tried, outOfTime: false) }
            if index == 0, let goOn = goOnAfterFirstPass, !goOn(frame) { break }
        }
        return Reading(symbols: [], pass: nil, tried: tried, outOfTime: false)
    }

    /// zbar on each image, then libdmtx when zbar found nothing; distinct symbols only.
    private func decode(_ images: [GrayImage], with zbar: ZBarDecoder, strict: Bool, dataMatrixIn dataMatrixImages: [GrayImage],
                        limit: Duration?, spent: inout Duration) -> [DecodedSymbol] {
        var found: [DecodedSymbol] = []
        for image in images {
            for symbol in zbar.decode(image) where !strict || Self.trusted(symbol) {
                if !found.contains(where: { $0.text == symbol.text && $0.symbology == symbol.symbology }) { found.append(symbol) }
            }
            if !found.isEmpty { return found }
        }
        guard readsDataMatrix, let limit, limit > .zero, !dataMatrixImages.isEmpty else { return [] }
        // The limit is shared by the images (a pass's crops each get their part of it).
        let dataMatrix = DataMatrixDecoder(timeLimit: limit / dataMatrixImages.count)
        let clock = ContinuousClock()
        let began = clock.now
        defer { spent = clock.now - began }
        for image in dataMatrixImages {
            found = dataMatrix.decode(image)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// A symbol read from a made image: 2-D codes carry their own error correction; a 1-D code
    /// must have been seen by more than one scan line.
    static func trusted(_ symbol: DecodedSymbol) -> Bool {
        switch symbol.symbology {
        case "QR-Code", DataMatrixDecoder.symbologyName: true
        default: symbol.quality >= 2
        }
    }
}
