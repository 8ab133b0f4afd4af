/// Translates Linux evdev key codes (US layout, as keyboard-wedge scanners send) to text,
/// and assembles keystrokes into scans. Pure: no device, no clock of its own.
public struct HIDScanAssembler: Sendable {
    /// A scan ends at Enter (or keypad Enter) or Tab; a pause longer than this between keys
    /// also ends it (for scanners set up without a suffix) and starts a new one.
    public var interKeyTimeout: Duration

    private var buffer = ""
    private var leftShift = false, rightShift = false, control = false, capsLock = false
    private var lastKeyAt: Duration?
    /// Set when the kernel dropped events: the scan in progress is incomplete and is thrown
    /// away up to its Enter, never delivered with characters missing.
    private var discarding = false
    /// Events were dropped while no scan was in progress: a loss only if keys follow before a
    /// pause (a scan whose start was dropped). Dropped key releases after a complete scan lose
    /// nothing, and must not tell the clerk to scan again: the scan again would count twice.
    private var dropWhileIdle = false

    /// How many scans were lost to dropped events so far: the reader tells the clerk to scan
    /// again each time this grows.
    public private(set) var lostScans = 0

    public init(interKeyTimeout: Duration = .milliseconds(50)) {
        self.interKeyTimeout = interKeyTimeout
    }

    /// Key codes from `linux/input-event-codes.h`.
    public enum Key {
        public static let enter: UInt16 = 28, kpEnter: UInt16 = 96, tab: UInt16 = 15
        public static let leftShift: UInt16 = 42, rightShift: UInt16 = 54
        public static let leftCtrl: UInt16 = 29, rightCtrl: UInt16 = 97, capsLock: UInt16 = 58
        public static let backspace: UInt16 = 14
    }

    /// Feeds one `EV_KEY` event (`value`: 1 press, 0 release, 2 auto-repeat) at a monotonic
    /// time. Returns the scans it completes (at most two: one ended by a pause, one by Enter).
    public mutating func feed(code: UInt16, value: Int32, at time: Duration) -> [String] {
        var completed: [String] = []
        switch code {
        case Key.leftShift: leftShift = value != 0; return []
        case Key.rightShift: rightShift = value != 0; return []
        case Key.leftCtrl, Key.rightCtrl: control = value != 0; return []
        default: break
        }
        guard value == 1 else { return [] } // act on presses; ignore releases and auto-repeat
        if let last = lastKeyAt, time - last > interKeyTimeout {
            if discarding {
                discarding = false
                dropWhileIdle = false
                buffer = ""
            } else if let scan = takeBuffer() {
                completed.append(scan)
            }
        }
        if discarding, dropWhileIdle {
            // Keys right after a drop that came between scans: this scan lost its start.
            dropWhileIdle = false
            lostScans += 1
        }
        lastKeyAt = time
        switch code {
        case Key.enter, Key.kpEnter, Key.tab:
            if discarding {
                discarding = false
                dropWhileIdle = false
                buffer = ""
            } else if let scan = takeBuffer() {
                completed.append(scan)
            }
        case Key.capsLock:
            capsLock.toggle()
        case Key.backspace:
            if !buffer.isEmpty { buffer.removeLast() }
        default:
            if control, code == 27 { buffer.append("\u{1D}") } // Ctrl+] is GS (FNC1) on wedge scanners
            else if let ch = Self.character(code: code, shift: leftShift || rightShift, capsLock: capsLock) {
                buffer.append(ch)
            }
        }
        return completed
    }

    /// The kernel dropped events (`SYN_DROPPED`: the reader fell behind and the device's
    /// buffer overflowed). The scan in progress has lost characters: drop it, and drop what
    /// follows up to the next Enter or pause; ``lostScans`` grows and the clerk must rescan.
    /// Between scans, a drop right after a scan's keys (its releases) counts as a loss only
    /// when keys follow it before a pause; a drop after a pause (a new scan typed while the
    /// reader was away) is a loss at once.
    ///
    /// - Parameter afterPause: the drop came more than ``interKeyTimeout`` after the last key
    ///   read (by the kernel's clock): keys of a new scan were lost, even if none follow.
    public mutating func eventsDropped(at time: Duration, afterPause: Bool = false) {
        if discarding && !dropWhileIdle {
            // Still throwing away a scan already counted as lost.
        } else if buffer.isEmpty && !afterPause {
            dropWhileIdle = true
        } else {
            dropWhileIdle = false
            lostScans += 1
        }
        buffer = ""
        discarding = true
        leftShift = false; rightShift = false; control = false
        // The keys read right after the drop belong to the scan that lost its start, however
        // long ago its last key was read (the reader was not scheduled): the pause that ends
        // the discarding is counted from the drop. If the lost events held the Enter too, the
        // clerk's next scan, after a pause, is read whole.
        lastKeyAt = time
    }

    /// Keys of a scan have come and its Enter has not: ``flush(at:)`` may have something to end.
    public var isTyping: Bool { !buffer.isEmpty || discarding }

    /// Ends a scan that has had no key for longer than the timeout (call it from a poll
    /// timeout); `nil` when there is nothing pending or the pause is still short.
    public mutating func flush(at time: Duration) -> String? {
        guard let last = lastKeyAt, time - last > interKeyTimeout else { return nil }
        if discarding {
            discarding = false
            dropWhileIdle = false
            buffer = ""
            return nil
        }
        return takeBuffer()
    }

    private mutating func takeBuffer() -> String? {
        defer { buffer = "" }
        return buffer.isEmpty ? nil : buffer
    }

    /// The character a key gives on a US keyboard, or `nil` for keys that give none.
    public static func character(code: UInt16, shift: Bool, capsLock: Bool = false) -> Character? {
        if let letter = letters[code] {
            let upper = shift != capsLock
            return upper ? Character(letter.uppercased()) : letter
        }
        if let pair = symbols[code] { return shift ? pair.1 : pair.0 }
        return keypad[code]
    }

    /// Assembles one made-up scan, every letter and symbol key of the map shifted and then
    /// plain, ended by Enter, and throws it away: the code a real scan runs through is loaded
    /// before one arrives (see `EvdevScanner`).
    public static func rehearse(interKeyTimeout: Duration, at time: Duration) {
        var assembler = HIDScanAssembler(interKeyTimeout: interKeyTimeout)
        let keys = letters.keys.sorted() + symbols.keys.sorted()
        for shifted in [true, false] {
            if shifted { _ = assembler.feed(code: Key.leftShift, value: 1, at: time) }
            for code in keys { _ = assembler.feed(code: code, value: 1, at: time); _ = assembler.feed(code: code, value: 0, at: time) }
            if shifted { _ = assembler.feed(code: Key.leftShift, value: 0, at: time) }
        }
        _ = assembler.feed(code: Key.enter, value: 1, at: time)
    }

    private static let letters: [UInt16: Character] = {
        var map: [UInt16: Character] = [:]
        for (i, ch) in "qwertyuiop".enumerated() { map[UInt16(16 + i)] = ch }
        for (i, ch) in "asdfghjkl".enumerated() { map[UInt16(30 + i)] = ch }
        for (i, ch) in "zxcvbnm".enumerated() { map[UInt16(44 + i)] = ch }
        return map
    }()

    private static let symbols: [UInt16: (Character, Character)] = [
        2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
        7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
        12: ("-", "_"), 13: ("=", "+"), 26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"),
        40: ("'", "\""), 41: ("`", "~"), 43: ("\\", "|"), 51: (",", "<"), 52: (".", ">"),
        53: ("/", "?"), 57: (" ", " "),
    ]

    private static let keypad: [UInt16: Character] = [
        71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+",
        79: "1", 80: "2", 81: "3", 82: "0", 83: ".", 55: "*", 98: "/",
    ]
}
