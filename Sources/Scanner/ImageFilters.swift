import Foundation

/// The image work the reading passes do around zbar and libdmtx: scaling, inversion, local
/// thresholds, sharpening, smoothing, rotation and crops. Pure functions of the pixels, no I/O.
extension GrayImage {
    /// The image scaled by `factor`: each new pixel the average of the pixels it covers when
    /// shrinking (no aliasing of fine bars), bilinear when growing.
    public func scaled(by factor: Double) -> GrayImage {
        let w = max(1, Int((Double(width) * factor).rounded())), h = max(1, Int((Double(height) * factor).rounded()))
        if w == width && h == height { return self }
        var out = [UInt8](repeating: 255, count: w * h)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if factor < 1 {
                    // Box average over the source rectangle of each destination pixel: each
                    // source row is summed into its columns once, then the rows are averaged.
                    let x0s = (0..<w).map { $0 * width / w }
                    let x1s = (0..<w).map { max($0 * width / w + 1, ($0 + 1) * width / w) }
                    var columns = [Int](repeating: 0, count: w)
                    for y in 0..<h {
                        let y0 = y * height / h, y1 = max(y0 + 1, (y + 1) * height / h)
                        for x in 0..<w { columns[x] = 0 }
                        for yy in y0..<y1 {
                            let row = yy * width
                            for x in 0..<w {
                                var sum = 0
                                for xx in x0s[x]..<x1s[x] { sum += Int(src[row + xx]) }
                                columns[x] += sum
                            }
                        }
                        let rows = y1 - y0
                        for x in 0..<w { dst[y * w + x] = UInt8(columns[x] / (rows * (x1s[x] - x0s[x]))) }
                    }
                } else {
                    let sx = Double(width) / Double(w), sy = Double(height) / Double(h)
                    for y in 0..<h {
                        let fy = max(0, (Double(y) + 0.5) * sy - 0.5)
                        let y0 = min(Int(fy), height - 1), y1 = min(y0 + 1, height - 1), wy = Int((fy - Double(y0)) * 256)
                        for x in 0..<w {
                            let fx = max(0, (Double(x) + 0.5) * sx - 0.5)
                            let x0 = min(Int(fx), width - 1), x1 = min(x0 + 1, width - 1), wx = Int((fx - Double(x0)) * 256)
                            let top = Int(src[y0 * width + x0]) * (256 - wx) + Int(src[y0 * width + x1]) * wx
                            let bottom = Int(src[y1 * width + x0]) * (256 - wx) + Int(src[y1 * width + x1]) * wx
                            dst[y * w + x] = UInt8((top * (256 - wy) + bottom * wy) >> 16)
                        }
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Light for dark: a code printed white on black (or a negative) reads as usual.
    public func inverted() -> GrayImage {
        GrayImage(width: width, height: height, pixels: pixels.map { 255 &- $0 })
    }

    /// Each pixel black or white by the mean of the `window` × `window` pixels around it less
    /// `offset` (mean-C adaptive threshold): uneven light, shadows and glare leave the code's
    /// local contrast, which this keeps.
    public func binarized(window: Int, offset: Int) -> GrayImage {
        let sums = integral()
        let r = max(1, window / 2)
        var out = [UInt8](repeating: 255, count: width * height)
        pixels.withUnsafeBufferPointer { src in
            sums.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { dst in
                    let stride = width + 1
                    for y in 0..<height {
                        let y0 = max(0, y - r), y1 = min(height, y + r + 1)
                        for x in 0..<width {
                            let x0 = max(0, x - r), x1 = min(width, x + r + 1)
                            let total = s[y1 * stride + x1] - s[y0 * stride + x1] - s[y1 * stride + x0] + s[y0 * stride + x0]
                            let mean = total / ((y1 - y0) * (x1 - x0))
                            dst[y * width + x] = Int(src[y * width + x]) < mean - offset ? 0 : 255
                        }
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// The sums of every rectangle from the top-left corner: (width + 1) × (height + 1).
    private func integral() -> [Int] {
        let stride = width + 1
        var sums = [Int](repeating: 0, count: stride * (height + 1))
        pixels.withUnsafeBufferPointer { src in
            sums.withUnsafeMutableBufferPointer { s in
                for y in 0..<height {
                    var row = 0
                    for x in 0..<width {
                        row += Int(src[y * width + x])
                        s[(y + 1) * stride + x + 1] = s[y * stride + x + 1] + row
                    }
                }
            }
        }
        return sums
    }

    /// The 3 × 3 box average: sensor noise and JPEG speckle smoothed away.
    public func smoothed() -> GrayImage {
        GrayImage(width: width, height: height, pixels: boxBlur())
    }

    /// Unsharp masking against the 3 × 3 average: `amount` = 1 doubles each edge's contrast,
    /// for focus blur and motion blur.
    public func sharpened(amount: Int = 1) -> GrayImage {
        let blur = boxBlur()
        var out = pixels
        for i in out.indices {
            let p = Int(pixels[i])
            out[i] = UInt8(clamping: p + amount * (p - Int(blur[i])))
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    private func boxBlur() -> [UInt8] {
        var out = pixels
        guard width >= 3, height >= 3 else { return out }
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 1..<(height - 1) {
                    for x in 1..<(width - 1) {
                        var sum = 0
                        for dy in -1...1 {
                            let row = (y + dy) * width + x
                            sum += Int(src[row - 1]) + Int(src[row]) + Int(src[row + 1])
                        }
                        dst[y * width + x] = UInt8(sum / 9)
                    }
                }
            }
        }
        return out
    }

    /// The darkest 1 % black and the lightest 1 % white, the rest spread between: a photo
    /// taken in poor light gets its contrast back.
    public func stretched() -> GrayImage {
        var histogram = [Int](repeating: 0, count: 256)
        for p in pixels { histogram[Int(p)] += 1 }
        let cut = max(1, pixels.count / 100)
        var low = 0, seen = 0
        while low < 255, seen + histogram[low] < cut { seen += histogram[low]; low += 1 }
        var high = 255
        seen = 0
        while high > 0, seen + histogram[high] < cut { seen += histogram[high]; high -= 1 }
        guard high - low >= 8 else { return self }
        let table = (0..<256).map { UInt8(clamping: ($0 - low) * 255 / (high - low)) }
        return GrayImage(width: width, height: height, pixels: pixels.map { table[Int($0)] })
    }

    /// The image turned by `degrees` (counter-clockwise) about its centre, on a canvas large
    /// enough to hold all of it, the corners white: a 1-D code at an angle crosses zbar's
    /// horizontal and vertical scan lines again.
    public func rotated(by degrees: Double) -> GrayImage {
        let a = degrees * .pi / 180
        let c = cos(a), s = sin(a)
        let w = Int((abs(Double(width) * c) + abs(Double(height) * s)).rounded(.up))
        let h = Int((abs(Double(width) * s) + abs(Double(height) * c)).rounded(.up))
        var out = [UInt8](repeating: 255, count: w * h)
        let cx = Double(width) / 2, cy = Double(height) / 2, ox = Double(w) / 2, oy = Double(h) / 2
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let dy = Double(y) - oy
                    for x in 0..<w {
                        let dx = Double(x) - ox
                        // Where this pixel comes from (the inverse rotation), bilinear: bars one or
                        // two pixels wide keep their widths, which nearest-pixel sampling breaks.
                        let fx = c * dx - s * dy + cx - 0.5, fy = s * dx + c * dy + cy - 0.5
                        guard fx >= 0, fy >= 0, fx < Double(width - 1), fy < Double(height - 1) else { continue }
                        let x0 = Int(fx), y0 = Int(fy)
                        let wx = Int((fx - Double(x0)) * 256), wy = Int((fy - Double(y0)) * 256)
                        let i = y0 * width + x0
                        let top = Int(src[i]) * (256 - wx) + Int(src[i + 1]) * wx
                        let bottom = Int(src[i + width]) * (256 - wx) + Int(src[i + width + 1]) * wx
                        dst[y * w + x] = UInt8((top * (256 - wy) + bottom * wy) >> 16)
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// The angle to turn the image by (as ``rotated(by:)`` counts it) for its bars to stand
    /// upright: the strongest direction of its edges (a histogram of gradient directions,
    /// weighted by strength) that is more than 8° off the axes; nil when no direction stands
    /// out (a 2-D code, text, noise) or the bars are already near upright or flat.
    public func barAngle() -> Double? {
        let bins = 90                                   // 2° each, over 180°
        var histogram = [Double](repeating: 0, count: bins)
        // Each strong edge pixel's direction (0..<180°, y down) and strength, for the refinement.
        var edges: [(angle: Double, strength: Double)] = []
        var total = 0.0
        // Smoothed first: the edges of bars one or two pixels wide alias toward the diagonals.
        let soft = smoothed()
        soft.pixels.withUnsafeBufferPointer { src in
            func p(_ x: Int, _ y: Int) -> Int { Int(src[y * width + x]) }
            var y = 1
            while y < height - 1 {
                var x = 1
                while x < width - 1 {
                    // Sobel: central differences bias thin bars' angles toward the diagonals.
                    let gx = Double(p(x + 1, y - 1) + 2 * p(x + 1, y) + p(x + 1, y + 1) - p(x - 1, y - 1) - 2 * p(x - 1, y) - p(x - 1, y + 1))
                    let gy = Double(p(x - 1, y + 1) + 2 * p(x, y + 1) + p(x + 1, y + 1) - p(x - 1, y - 1) - 2 * p(x, y - 1) - p(x + 1, y - 1))
                    let strength = abs(gx) + abs(gy)
                    if strength >= 160 {
                        var angle = atan2(gy, gx) * 180 / .pi
                        if angle < 0 { angle += 180 }
                        histogram[min(bins - 1, Int(angle / 2))] += strength
                        edges.append((angle, strength))
                        total += strength
                    }
                    x += 2
                }
                y += 2
            }
        }
        guard total > 0 else { return nil }
        var best = -1, bestWeight = 0.0
        for bin in 0..<bins {
            let angle = Double(bin) * 2 + 1
            let offAxis = min(angle.truncatingRemainder(dividingBy: 90), 90 - angle.truncatingRemainder(dividingBy: 90))
            guard offAxis > 8 else { continue }
            // A peak with its neighbours: bars blur over a few degrees.
            let weight = (-2...2).reduce(0.0) { $0 + histogram[(bin + $1 + bins) % bins] }
            if weight > bestWeight { (best, bestWeight) = (bin, weight) }
        }
        guard best >= 0, bestWeight >= 0.2 * total else { return nil }
        // Refined: the strength-weighted mean direction of the edges within 8° of the peak
        // (doubled angles, so that 179° and 1° average to 0°).
        let peak = Double(best) * 2 + 1
        var sx = 0.0, sy = 0.0
        for edge in edges {
            var difference = edge.angle - peak
            if difference > 90 { difference -= 180 } else if difference < -90 { difference += 180 }
            guard abs(difference) <= 8 else { continue }
            sx += edge.strength * cos(2 * edge.angle * .pi / 180)
            sy += edge.strength * sin(2 * edge.angle * .pi / 180)
        }
        var across = atan2(sy, sx) * 90 / .pi
        if across < 0 { across += 180 }
        return across > 90 ? across - 180 : across
    }

    /// The part of the image inside `region` (clipped to the image).
    public func cropped(to region: PixelRegion) -> GrayImage {
        let x0 = max(0, region.x), y0 = max(0, region.y)
        let x1 = min(width, region.x + region.width), y1 = min(height, region.y + region.height)
        guard x1 > x0, y1 > y0 else { return GrayImage(width: 1, height: 1, pixels: [255]) }
        var out = [UInt8]()
        out.reserveCapacity((x1 - x0) * (y1 - y0))
        for y in y0..<y1 { out.append(contentsOf: pixels[(y * width + x0)..<(y * width + x1)]) }
        return GrayImage(width: x1 - x0, height: y1 - y0, pixels: out)
    }

    /// The image as it is meant to be seen, by its EXIF orientation (1…8): a phone held on
    /// its side stores the photo turned and says so.
    public func oriented(exif orientation: Int) -> GrayImage {
        guard (2...8).contains(orientation) else { return self }
        let swaps = orientation >= 5
        let w = swaps ? height : width, h = swaps ? width : height
        var out = [UInt8](repeating: 0, count: w * h)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        // Where the shown pixel (x, y) is stored.
                        let (sx, sy): (Int, Int) = switch orientation {
                        case 2: (width - 1 - x, y)                 // mirrored
                        case 3: (width - 1 - x, height - 1 - y)    // upside down
                        case 4: (x, height - 1 - y)                // mirrored upside down
                        case 5: (y, x)                             // transposed
                        case 6: (y, height - 1 - x)                // stored turned left: turn right
                        case 7: (width - 1 - y, height - 1 - x)    // transversed
                        default: (width - 1 - y, x)                // 8: stored turned right: turn left
                        }
                        dst[y * w + x] = src[sy * width + sx]
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Where codes may be: areas of dense strong edges (bars and modules), found on a grid of
    /// `cell` × `cell` pixels, joined with their neighbours, the largest first, each with a
    /// margin of one cell. A small code in a large photo is cropped and enlarged from these.
    public func codeRegions(cell: Int = 16, maximum: Int = 3) -> [PixelRegion] {
        let cols = width / cell, rows = height / cell
        guard cols >= 2, rows >= 2 else { return [] }
        var energy = [Int](repeating: 0, count: cols * rows)
        pixels.withUnsafeBufferPointer { src in
            for r in 0..<rows {
                for c in 0..<cols {
                    var sum = 0
                    // Every other pixel of the cell: horizontal and vertical differences.
                    var y = r * cell
                    while y < (r + 1) * cell - 1 {
                        var x = c * cell
                        let row = y * width
                        while x < (c + 1) * cell - 1 {
                            let p = Int(src[row + x])
                            sum += abs(p - Int(src[row + x + 1])) + abs(p - Int(src[row + width + x]))
                            x += 2
                        }
                        y += 2
                    }
                    energy[r * cols + c] = sum
                }
            }
        }
        // A cell is busy when its edges are well above the image's typical cell.
        let sorted = energy.sorted()
        let median = sorted[sorted.count / 2], high = sorted[sorted.count * 9 / 10]
        let threshold = max(median * 3, high / 2, cell * cell * 6)
        var label = [Int](repeating: -1, count: cols * rows)
        var regions: [(PixelRegion, Int)] = []
        for start in 0..<(cols * rows) where energy[start] >= threshold && label[start] < 0 {
            var stack = [start], minC = cols, maxC = 0, minR = rows, maxR = 0, total = 0, count = 0
            label[start] = regions.count
            while let i = stack.popLast() {
                let r = i / cols, c = i % cols
                (minC, maxC, minR, maxR) = (min(minC, c), max(maxC, c), min(minR, r), max(maxR, r))
                total += energy[i]
                count += 1
                for (nr, nc) in [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)] where nr >= 0 && nr < rows && nc >= 0 && nc < cols {
                    let n = nr * cols + nc
                    if label[n] < 0, energy[n] >= threshold {
                        label[n] = regions.count
                        stack.append(n)
                    }
                }
            }
            guard count >= 2, count < cols * rows / 2 else { continue }
            let region = PixelRegion(x: (minC - 1) * cell, y: (minR - 1) * cell,
                                     width: (maxC - minC + 3) * cell, height: (maxR - minR + 3) * cell)
            regions.append((region, total))
        }
        return regions.sorted { $0.1 > $1.1 }.prefix(maximum).map(\.0)
    }
}

/// A rectangle of pixels in an image.
public struct PixelRegion: Sendable, Hashable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }
    public var description: String { "\(width)×\(height)+\(x)+\(y)" }
}
