/// Which codes a camera has in view, judged frame by frame, so that a code held in front of
/// it is one scan however long it stays and however slowly its frames are read.
///
/// A code **comes into view** when a frame shows it and it was not in view. It **stays in
/// view** until both have happened:
/// - a frame read in full (not cut short by the frame's budget) did not show it, and
/// - it has not been seen for `window`.
///
/// Time alone is not enough: a turned or worn label may take a slow board longer than the
/// window to read, frame after frame, and it would count again with every frame. Frames alone
/// are not enough either: one blurred frame while a hand moves would count the code again.
///
/// Domain logic only: the caller reads the frames and says when each was read.
public struct CodesInView: Sendable {
    /// How long a code must have been out of view before it counts again.
    public let window: Duration

    private struct Sighting: Sendable {
        var lastSeen: Duration
        /// A frame read in full since `lastSeen` did not show it.
        var missed: Bool
    }

    private var codes: [String: Sighting] = [:]

    public init(window: Duration) {
        self.window = max(window, .zero)
    }

    /// The codes in view now.
    public var inView: Set<String> { Set(codes.keys) }

    /// Takes one frame's codes and returns those that came into view, in the frame's order.
    ///
    /// - Parameters:
    ///   - texts: the codes read in the frame (empty: none).
    ///   - time: when the frame was read, on a monotonic clock.
    ///   - readInFull: false when the read was cut short, so a code it did not show may still
    ///     be there.
    public mutating func frame(_ texts: [String], at time: Duration, readInFull: Bool) -> [String] {
        let shown = Set(texts)
        if readInFull {
            for (text, sighting) in codes where !shown.contains(text) && !sighting.missed { codes[text]?.missed = true }
        }
        // Out of view: missed by a frame and unseen for the window. A code never missed (every
        // frame since was cut short) is kept longer, but not for ever.
        codes = codes.filter { _, sighting in
            let unseen = time - sighting.lastSeen
            return sighting.missed ? unseen < window : unseen < max(window * 8, .seconds(60))
        }
        var cameIntoView: [String] = []
        for text in texts {
            if codes[text] == nil { cameIntoView.append(text) }
            codes[text] = Sighting(lastSeen: time, missed: false)
        }
        return cameIntoView
    }
}
