/// Which codes a camera has in view, judged frame by frame, so that a code held in front of
/// it is one scan however long it stays and however slowly its frames are read.
///
/// A code **comes into view** when a frame shows it and it was not in view. It **stays in
/// view** until both have happened:
/// - it has not been seen for `window`, judged by when the frames were captured, and
/// - at least ``missesToLeave`` frames read since it was last seen did not show it.
///
/// Every frame read counts as a miss when it does not show the code, whether the read found
/// another code, found nothing or was cut short by its budget: in all of them the code was not
/// readable, as it would not be under the desk's duplicate window either. Time alone is not
/// enough: a turned or worn label may take a slow board longer than the window to read, frame
/// after frame, and it would count again with every frame. So would one glare frame between
/// two slow reads.
///
/// Domain logic only: the caller reads the frames and says when each was captured.
public struct CodesInView: Sendable {
    /// How long a code must have been unseen before it counts again.
    public let window: Duration
    /// How many frames read in a row must not show a code before it counts again.
    public let missesToLeave: Int

    private struct Sighting: Sendable {
        var lastSeen: Duration
        /// Frames read since `lastSeen` that did not show it.
        var misses: Int
    }

    private var codes: [String: Sighting] = [:]

    public init(window: Duration, missesToLeave: Int = 2) {
        self.window = max(window, .zero)
        self.missesToLeave = max(missesToLeave, 1)
    }

    /// The codes in view now.
    public var inView: Set<String> { Set(codes.keys) }

    /// Takes one frame's codes and returns those that came into view, in the frame's order.
    ///
    /// - Parameters:
    ///   - texts: the codes read in the frame (empty: none).
    ///   - time: when the frame was captured, on a monotonic clock.
    ///   - countsMisses: false for a frame that says nothing about what is absent (a camera's
    ///     first frames after it starts streaming, dark while its exposure settles).
    public mutating func frame(_ texts: [String], capturedAt time: Duration, countsMisses: Bool = true) -> [String] {
        let shown = Set(texts)
        if countsMisses {
            codes = codes.filter { text, sighting in
                shown.contains(text) || sighting.misses + 1 < missesToLeave || time - sighting.lastSeen < window
            }
            for text in codes.keys where !shown.contains(text) { codes[text]?.misses += 1 }
        }
        var cameIntoView: [String] = []
        for text in texts {
            if codes[text] == nil { cameIntoView.append(text) }
            codes[text] = Sighting(lastSeen: time, misses: 0)
        }
        return cameIntoView
    }
}
