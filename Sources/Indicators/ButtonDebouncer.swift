/// Turns the raw edges of a push button into presses. A level counts only once it has been
/// stable for the debounce time, so a bouncing contact (several fast edges) is one press;
/// a press held past the long-press time is a long press, reported as soon as it is
/// reached. Pure: time comes with every call; call ``tick(at:)`` every few ms while ``needsTicks``.
public struct ButtonDebouncer: Sendable {
    public enum Press: Sendable, Hashable { case short, long }

    public var debounce: Duration
    public var longPress: Duration

    private var rawPressed = false
    private var rawSince: Duration = .zero
    private var stablePressed = false
    private var pressedAt: Duration?
    private var longReported = false

    public init(debounce: Duration = .milliseconds(30), longPress: Duration = .milliseconds(1500)) {
        self.debounce = debounce
        self.longPress = longPress
    }

    /// Whether ``tick(at:)`` can still report something without a new edge: a level not yet
    /// settled, or a press held toward its long press. A button at rest needs no ticks.
    public var needsTicks: Bool {
        rawPressed != stablePressed || (stablePressed && pressedAt != nil && !longReported)
    }

    /// Feeds an edge: `pressed` is the logical level after it (active level already applied).
    public mutating func edge(pressed: Bool, at time: Duration) -> Press? {
        let settled = tick(at: time)
        rawPressed = pressed
        rawSince = time
        return settled
    }

    /// Settles the level once stable; reports a release (short or long, if the long press was
    /// not already reported) or a long press reached while held.
    public mutating func tick(at time: Duration) -> Press? {
        if rawPressed != stablePressed, time - rawSince >= debounce {
            stablePressed = rawPressed
            if stablePressed {
                pressedAt = rawSince
                longReported = false
            } else if let start = pressedAt {
                pressedAt = nil
                if !longReported { return rawSince - start >= longPress ? .long : .short }
            }
        }
        if stablePressed, let start = pressedAt, !longReported, time - start >= longPress {
            longReported = true
            return .long
        }
        return nil
    }
}
