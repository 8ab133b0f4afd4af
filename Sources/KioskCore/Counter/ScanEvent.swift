import Foundation

/// One scan from any source: a HID or serial scanner, a camera frame decoded by zbar, the
/// command line or a page. Sources merge into one stream of these.
public struct ScanEvent: Sendable, Hashable {
    /// Unique per scan; becomes the idempotency key of the movement the scan causes.
    public var id: UUID
    /// Which source produced it (e.g. `hid:/dev/input/event3`, `serial:/dev/ttyACM0`, `stdin`).
    public var source: String
    /// The text exactly as decoded, control characters (GS) included.
    public var text: String
    /// The symbology when the source knows it (`QR-Code`, `CODE-128`, `EAN-13`…).
    public var symbology: String?
    public var time: Date
    /// Set when the source knows a scan was lost (a HID reader fell behind and the kernel
    /// dropped keys): the clerk is told to scan again, and the session is left as it was.
    public var readFailure: String?
    /// The signed-in person who sent the scan from a page: the actor of what it moves. Such a
    /// scan cannot name someone else by a badge code (that is the scanner's, with the badge).
    public var actor: String?

    public init(id: UUID = .random(), source: String, text: String, symbology: String? = nil, time: Date = Date(), readFailure: String? = nil,
                actor: String? = nil) {
        self.readFailure = readFailure
        self.actor = actor
        self.id = id
        self.source = source
        self.text = text
        self.symbology = symbology
        self.time = time
    }
}
