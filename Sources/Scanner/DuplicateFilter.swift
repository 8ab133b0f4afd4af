/// Drops the same code seen again from the same source within that source's window: a
/// camera sees a code in every frame. A window of zero (the default for handheld
/// triggers) lets every scan through: a clerk scanning a box twice means two boxes.
public struct DuplicateFilter: Sendable {
    private var windows: [String: Duration]
    private var last: [String: (text: String, at: Duration)] = [:]

    /// - Parameter windows: the window per source name; sources not named have none.
    public init(windows: [String: Duration] = [:]) {
        self.windows = windows
    }

    /// Whether a scan of `text` from `source` at monotonic time `at` should go on.
    public mutating func admit(source: String, text: String, at time: Duration) -> Bool {
        guard let window = windows[source], window > .zero else { return true }
        defer { last[source] = (text, time) }
        if let previous = last[source], previous.text == text, time - previous.at < window {
            return false
        }
        return true
    }
}
