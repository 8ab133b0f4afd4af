// libFuzzer target for everything a scanner or a typist can send kioskd: the scan
// classifier, the GS1 parser, VIN parsing and the HID key translation. Built from the pure
// source files with `swiftc -sanitize=fuzzer,address` by Tests/Fuzz/run; a crash, a
// sanitizer report or a broken invariant below stops the run with the input that did it.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanInputs(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)

    // Classifying never crashes, whatever arrives.
    _ = ScanClassifier.classify(text)

    // A GS1 string that parses prints back to one that parses to the same elements (unless a
    // value holds a parenthesis, which GS1's character set allows and the bracketed form
    // cannot tell from the next identifier).
    if let parsed = try? GS1ElementString.parse(text),
       parsed.humanReadable.filter({ $0 == "(" }).count == parsed.humanReadable.filter({ $0 == ")" }).count,
       parsed.humanReadable.filter({ $0 == "(" }).count == parsed.elements.count {
        let again = try? GS1ElementString.parse(parsed.humanReadable)
        precondition(again?.humanReadable == parsed.humanReadable, "GS1 round trip changed \(parsed.humanReadable)")
    }

    // A VIN that parses is 17 characters without I, O, Q, and parses again to itself.
    if let vin = try? VIN.parse(text) {
        precondition(vin.text.count == 17 && !vin.text.contains(where: { "IOQ".contains($0) }), "bad VIN accepted: \(vin.text)")
        precondition((try? VIN.parse(vin.text))?.text == vin.text, "VIN round trip")
        _ = vin.modelYear()
        _ = vin.manufacturer
    }

    // Any sequence of key events (code, value) from an input device: scans come out as text
    // without control characters other than GS.
    var assembler = HIDScanAssembler(interKeyTimeout: .milliseconds(50))
    var time = Duration.zero
    var i = 0
    while i + 2 < size {
        let code = UInt16(bytes[i]) | UInt16(bytes[i + 1] & 0x01) << 8
        let value = Int32(bytes[i + 2] % 3)
        time += .milliseconds(Int(bytes[i + 2] >> 2))
        for scan in assembler.feed(code: code, value: value, at: time) {
            precondition(!scan.unicodeScalars.contains { $0.value < 0x20 && $0.value != 0x1D }, "control character in scan")
        }
        if bytes[i] == 0xFF { assembler.eventsDropped() }
        i += 3
    }
    _ = assembler.flush(at: time + .seconds(1))
    return 0
}
