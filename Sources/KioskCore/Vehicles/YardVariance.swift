import Foundation
import GRDB

/// What a yard stocktake found, against the books.
public struct YardVariance: Sendable, Hashable {
    public struct Misplaced: Sendable, Hashable {
        public var vin: String
        public var expectedBin: String?
        public var foundBin: String
    }
    public struct Unexpected: Sendable, Hashable {
        public var vin: String
        public var foundBin: String
        /// Why it should not be there: not on the books, or already delivered.
        public var reason: String
    }
    /// On the books (not delivered) and not scanned.
    public var missing: [Vehicle]
    public var unexpected: [Unexpected]
    public var misplaced: [Misplaced]
    public var counted: Int

    public var isClean: Bool { missing.isEmpty && unexpected.isEmpty && misplaced.isEmpty }

    /// The report, a line per finding, Chinese first.
    public var report: String {
        var lines = ["车场盘点：已盘 \(counted) 台，缺失 \(missing.count)，多出 \(unexpected.count)，错位 \(misplaced.count) / yard count: \(counted) counted, \(missing.count) missing, \(unexpected.count) unexpected, \(misplaced.count) misplaced"]
        for v in missing { lines.append("  缺失 missing \(v.vin) \(v.model) \(v.colour) (\(v.bin ?? "-"))") }
        for u in unexpected { lines.append("  多出 unexpected \(u.vin) @\(u.foundBin): \(u.reason)") }
        for m in misplaced { lines.append("  错位 misplaced \(m.vin): \(m.expectedBin ?? "-") → \(m.foundBin)") }
        return lines.joined(separator: "\n")
    }
}
