extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte (digests, hashes of tokens).
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

extension String {
    /// Compares two tags (hex MACs) in time that does not depend on where they first differ.
    func constantTimeEquals(_ other: String) -> Bool {
        let a = Array(utf8), b = Array(other.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
