/// Drops a code seen again by the same source inside that source's duplicate window.
///
/// The window is kept **per code**: a scanner in presentation mode reads every code held
/// under it again and again, so with two codes under it the reads alternate between them, and
/// a window that remembered only the last code would admit each of them again and again.
/// (A camera judges by its own frames instead: `Scanner.CodesInView`.) The window slides: a code
/// that stays in view stays suppressed, and counts again once it has been out of view for
/// the whole window. Sources without a window (handheld scanners) keep every scan.
public struct DuplicateFilter: Sendable {
    /// What the filter decided for one sighting.
    public enum Verdict: Sendable, Hashable {
        case admit
        /// The first repeat inside the window: tell the clerk it was ignored.
        case duplicate
        /// A further repeat of a code already reported (the same code still held under the scanner): drop it silently.
        case suppressed
    }

    private var windows: [String: Duration]
    private var seen: [String: [String: (at: Duration, reported: Bool)]] = [:]

    /// - Parameter windows: the window per source name; sources not named have none.
    public init(windows: [String: Duration] = [:]) {
        self.windows = windows
    }

    /// Whether a scan of `text` from `source` at monotonic time `at` should go on.
    public mutating func admit(source: String, text: String, at time: Duration) -> Bool {
        verdict(source: source, text: text, at: time) == .admit
    }

    /// The verdict for a scan of `text` from `source` at monotonic time `at`.
    public mutating func verdict(source: String, text: String, at time: Duration) -> Verdict {
        guard let window = windows[source], window > .zero else { return .admit }
        // The source's codes are changed where they are stored: copied out and back, each
        // sighting copied the whole table.
        return Self.judge(text, at: time, window: window, codes: &seen[source, default: [:]])
    }

    private static func judge(_ text: String, at time: Duration, window: Duration,
                              codes: inout [String: (at: Duration, reported: Bool)]) -> Verdict {
        // Forget codes out of view for a whole window, so memory stays bounded by what a
        // source sees within one window.
        if codes.count > 64 { codes = codes.filter { time - $0.value.at < window } }
        if let previous = codes[text], time - previous.at < window {
            codes[text] = (time, true)
            return previous.reported ? .suppressed : .duplicate
        }
        codes[text] = (time, false)
        return .admit
    }
}
