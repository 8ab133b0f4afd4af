import Foundation

extension UUID {
    /// The same text as `uuidString` (upper-case hex, 8-4-4-4-12), written without going
    /// through `uuid_unparse` and `sprintf`: the counter's session holds up to 20 of them and
    /// is written with every scan, where `uuidString` showed up in the scan path's profile.
    var text: String {
        let digits: StaticString = "0123456789ABCDEF"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var n = 0
                digits.withUTF8Buffer { hex in
                    for (index, byte) in bytes.enumerated() {
                        if index == 4 || index == 6 || index == 8 || index == 10 {
                            out[n] = UInt8(ascii: "-")
                            n += 1
                        }
                        out[n] = hex[Int(byte >> 4)]
                        out[n + 1] = hex[Int(byte & 0x0F)]
                        n += 2
                    }
                }
                return n
            }
        }
    }
}
