extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte (digests, hashes of tokens).
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
