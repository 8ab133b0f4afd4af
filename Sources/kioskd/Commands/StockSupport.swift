import ArgumentParser
import Foundation
import KioskCore

func printReport(_ lines: [VarianceLine]) {
    print("bin\tpart\texpected\tcounted\tvariance")
    for l in lines { print("\(l.binCode)\t\(l.partNumber)\t\(l.expected)\t\(l.counted)\t\(l.variance > 0 ? "+" : "")\(l.variance)") }
    let differing = lines.filter { $0.variance != 0 }.count
    print("\(lines.count) lines, \(differing) with variance (盘盈 surplus +, 盘亏 shortage -)")
}

/// A stocktake id from the command line.
func stocktakeID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a stocktake id (a UUID)") }
    return id
}
