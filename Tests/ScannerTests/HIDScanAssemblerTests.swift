import Testing
@testable import Scanner

@Suite("Keyboard-wedge key codes to scans")
struct HIDScanAssemblerTests {
    /// Key presses as a wedge scanner sends them: press and release, shift around capitals.
    func type(_ text: String, into assembler: inout HIDScanAssembler, startingAt start: Duration = .zero,
              gap: Duration = .milliseconds(2), end: UInt16? = HIDScanAssembler.Key.enter) -> [String] {
        var time = start
        var scans: [String] = []
        func key(_ code: UInt16, _ value: Int32) {
            scans += assembler.feed(code: code, value: value, at: time)
        }
        for ch in text {
            let (code, shift) = Self.keyFor(ch)
            if shift { key(HIDScanAssembler.Key.leftShift, 1) }
            key(code, 1)
            key(code, 0)
            if shift { key(HIDScanAssembler.Key.leftShift, 0) }
            time += gap
        }
        if let end { key(end, 1); key(end, 0) }
        return scans
    }

    static func keyFor(_ ch: Character) -> (UInt16, Bool) {
        for code in UInt16(1)...UInt16(99) {
            if HIDScanAssembler.character(code: code, shift: false) == ch { return (code, false) }
            if HIDScanAssembler.character(code: code, shift: true) == ch { return (code, true) }
        }
        fatalError("no key for \(ch)")
    }

    @Test("letters, digits and shifted symbols come out as typed; Enter ends the scan")
    func shiftedCharacters() {
        var assembler = HIDScanAssembler()
        #expect(type("KD:BIN:A-01", into: &assembler) == ["KD:BIN:A-01"])
        #expect(type("Ab!@#$%^&*()_+{}|:\"<>?~", into: &assembler) == ["Ab!@#$%^&*()_+{}|:\"<>?~"])
    }

    @Test("Tab ends a scan too, and keypad digits and keypad Enter work")
    func tabAndKeypad() {
        var assembler = HIDScanAssembler()
        #expect(type("6901234567892", into: &assembler, end: HIDScanAssembler.Key.tab) == ["6901234567892"])
        var scans: [String] = []
        for (i, code) in [UInt16(79), 80, 81, 96].enumerated() {
            scans += assembler.feed(code: code, value: 1, at: .milliseconds(100 + i))
        }
        #expect(scans == ["123"])
    }

    @Test("a pause longer than the inter-key timeout splits two codes")
    func interKeyTimeout() {
        var assembler = HIDScanAssembler(interKeyTimeout: .milliseconds(50))
        let first = type("ABC", into: &assembler, end: nil)
        #expect(first.isEmpty)
        let second = type("XYZ", into: &assembler, startingAt: .milliseconds(500))
        #expect(second == ["ABC", "XYZ"])
        _ = type("LATE", into: &assembler, startingAt: .seconds(2), end: nil)
        #expect(assembler.flush(at: .seconds(2) + .milliseconds(20)) == nil, "still within the timeout")
        #expect(assembler.flush(at: .seconds(3)) == "LATE")
    }

    @Test("Ctrl+] gives GS (FNC1), so GS1 codes survive a wedge scanner; caps lock inverts shift")
    func controlAndCapsLock() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        scans += assembler.feed(code: HIDScanAssembler.Key.leftCtrl, value: 1, at: .zero)
        scans += assembler.feed(code: 27, value: 1, at: .zero)
        scans += assembler.feed(code: HIDScanAssembler.Key.leftCtrl, value: 0, at: .zero)
        scans += assembler.feed(code: HIDScanAssembler.Key.capsLock, value: 1, at: .zero)
        scans += assembler.feed(code: 30, value: 1, at: .zero)            // a → A
        scans += assembler.feed(code: HIDScanAssembler.Key.leftShift, value: 1, at: .zero)
        scans += assembler.feed(code: 30, value: 1, at: .zero)            // shift+a with caps → a
        scans += assembler.feed(code: 30, value: 2, at: .zero)            // auto-repeat is ignored
        scans += assembler.feed(code: HIDScanAssembler.Key.enter, value: 1, at: .zero)
        #expect(scans == ["\u{1D}Aa"])
    }
}

@Suite("Dropped events")
struct DroppedEventsTests {
    @Test("after SYN_DROPPED the incomplete scan is thrown away up to its Enter; the next scan is whole")
    func dropped() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        for code: UInt16 in [37, 32] { scans += assembler.feed(code: code, value: 1, at: .zero) } // "kd"
        assembler.eventsDropped(at: .zero)
        for code: UInt16 in [18, 23, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .zero) } // "ei" ⏎
        for code: UInt16 in [2, 3, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .zero) }  // "12" ⏎
        #expect(scans == ["12"])
    }

    @Test("the tail of a dropped scan read long after its start is not a scan of its own (found in the rig)")
    func droppedAfterAStall() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        for code: UInt16 in [37, 32] { scans += assembler.feed(code: code, value: 1, at: .zero) }      // "kd", then the reader stalls
        assembler.eventsDropped(at: .seconds(5))
        for code: UInt16 in [18, 23, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(5)) }
        for code: UInt16 in [2, 3, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(6)) }
        #expect(scans == ["12"])
    }

    @Test("a drop between scans (key releases after a whole scan) loses nothing and asks for no rescan, which would count twice (found in the rig)")
    func droppedBetweenScans() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        for code: UInt16 in [37, 32, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .zero) } // "kd" ⏎: read
        assembler.eventsDropped(at: .milliseconds(1))                                                 // its key releases overflowed
        #expect(assembler.lostScans == 0)
        for code: UInt16 in [2, 3, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(2)) }  // the next scan
        #expect(scans == ["kd", "12"])
        #expect(assembler.lostScans == 0)
    }

    @Test("a drop between scans that took a scan's start is a loss once its tail arrives, and the tail is not read")
    func droppedStartOfNextScan() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        assembler.eventsDropped(at: .seconds(1))                                                      // "k" and "d" lost
        for code: UInt16 in [18, 23, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(1)) } // "ei" ⏎
        #expect(scans.isEmpty)
        #expect(assembler.lostScans == 1)
        for code: UInt16 in [2, 3, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(3)) }
        #expect(scans == ["12"] && assembler.lostScans == 1)
    }

    @Test("a drop long after the last key read (a whole scan typed while the reader was away) is a loss even if no key follows (found in review)")
    func droppedWholeScanAfterAPause() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        for code: UInt16 in [37, 32, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .zero) }
        assembler.eventsDropped(at: .seconds(3), afterPause: true)
        #expect(assembler.lostScans == 1)
        for code: UInt16 in [2, 3, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(4)) }
        #expect(scans == ["kd", "12"] && assembler.lostScans == 1)
    }

    @Test("a drop in the middle of a scan is a loss at once, counted once however many drops follow")
    func droppedMidScanCountsOnce() {
        var assembler = HIDScanAssembler()
        for code: UInt16 in [37, 32] { _ = assembler.feed(code: code, value: 1, at: .zero) }
        assembler.eventsDropped(at: .zero)
        #expect(assembler.lostScans == 1)
        assembler.eventsDropped(at: .milliseconds(1))
        _ = assembler.feed(code: 18, value: 1, at: .milliseconds(2))
        #expect(assembler.lostScans == 1)
    }

    @Test("when the drop took the Enter too, the clerk's next scan after a pause is read whole (found in review)")
    func droppedWithItsEnter() {
        var assembler = HIDScanAssembler()
        var scans: [String] = []
        for code: UInt16 in [37, 32] { scans += assembler.feed(code: code, value: 1, at: .zero) }
        assembler.eventsDropped(at: .seconds(5))                                                      // the rest, Enter included, lost
        for code: UInt16 in [2, 3, HIDScanAssembler.Key.enter] { scans += assembler.feed(code: code, value: 1, at: .seconds(7)) }
        #expect(scans == ["12"])
    }
}
