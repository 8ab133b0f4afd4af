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

extension UUID {
    /// A random (version 4, RFC 9562 §5.4) UUID from the system's generator, `getrandom(2)`.
    /// Foundation's `UUID()` opens, reads and closes `/dev/urandom` for each one here: three
    /// system calls on the scanner's thread for every scan (seen in the rig's trace).
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = (raw[6] & 0x0F) | 0x40   // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80   // variant 10
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }
}
