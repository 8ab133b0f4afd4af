// libFuzzer target for everything a scanner or a typist can send kioskd: the scan
// classifier, GS1 reading (read and parse), VIN parsing and the HID key translation. Built from
// the pure source files with `swiftc -sanitize=fuzzer,address` by Tests/Fuzz/run; a crash, a
// sanitizer report or a broken invariant below stops the run with the input that did it.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanInputs(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)

    // Classifying never crashes, whatever arrives.
    _ = ScanClassifier.classify(text)

    // GS1: whatever the counter reads as GS1 prints back, in both forms, to the same elements;
    // every value is printable ASCII (the dictionary's character sets); the bracketed form reads
    // back as GS1 through the counter's own entry point.
    if case .gs1(let read) = GS1ElementString.read(text) {
        checkRoundTrip(read)
        if case .gs1(let again) = GS1ElementString.read(read.humanReadable) {
            precondition(again.elements == read.elements, "GS1 read(humanReadable) changed \(read.humanReadable)")
        } else {
            preconditionFailure("GS1 humanReadable is not read as GS1: \(read.humanReadable)")
        }
    }
    if let parsed = try? GS1ElementString.parse(text) { checkRoundTrip(parsed) }
    // A raw string is GS1 to the counter only from a key AI (Tests/GS1/POLICY.md).
    if !text.hasPrefix("]"), !text.hasPrefix("("), !text.lowercased().hasPrefix("http"), !text.contains("\u{1D}"),
       case .gs1(let raw) = GS1ElementString.read(text) {
        precondition(raw.reading == .unprefixed && GS1ElementString.unprefixedKeyAIs.contains(raw.elements[0].ai),
                     "raw text read as GS1 without a key AI: \(text)")
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
        if bytes[i] == 0xFF { assembler.eventsDropped(at: time) }
        i += 3
    }
    _ = assembler.flush(at: time + .seconds(1))
    return 0
}

/// A parsed GS1 code survives its human-readable form (with `\(` escapes) and its element
/// string (GS after variable-length values) unchanged.
func checkRoundTrip(_ parsed: GS1ElementString) {
    precondition(parsed.elements.allSatisfy { $0.value.utf8.allSatisfy { (0x20...0x7E).contains($0) } },
                 "GS1 value outside printable ASCII: \(parsed.humanReadable)")
    let bracketed = try? GS1ElementString.parse(parsed.humanReadable)
    precondition(bracketed?.elements == parsed.elements, "GS1 round trip changed \(parsed.humanReadable)")
    let scanned = try? GS1ElementString.parse("]C1" + parsed.elementString)
    precondition(scanned?.elements == parsed.elements, "GS1 element string round trip changed \(parsed.humanReadable)")
}
