import KioskCore
import Logging
import Synchronization
import Testing

private final class Lines: Sendable {
    let value = Mutex<[String]>([])
}

/// A handler that keeps what reaches it, as the stream handler would write it.
private struct Recorder: LogHandler {
    let lines: Lines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.value.withLock { $0.append("\(level) \(message) \(fields)") }
    }
}

@Suite("The daemon's log: one line per entry, whatever a client sent")
struct OneLineLogHandlerTests {
    @Test("line breaks, carriage returns, escapes and Unicode's line separators in the message and the metadata are written escaped; ordinary text, Chinese included, as it is")
    func controlCharactersAreEscaped() {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in OneLineLogHandler(Recorder(lines: lines)) }
        logger.warning("print job #2 failed: unknown bin ZZ\n2026-12-08T00:18:19+0000 critical kioskd: FORGED\r",
                       metadata: ["subject": "A-01\u{1b}[2J", "note": "a\u{2028}b", "plain": "库位 A-01"])
        logger.info("扫描 6901234567892 入库 ×5")
        let written = lines.value.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.allSatisfy { !$0.contains("\n") && !$0.contains("\r") && !$0.contains("\u{1b}") && !$0.contains("\u{2028}") }, "\(written)")
        #expect(written[0].contains(#"ZZ\n2026-12-08T00:18:19+0000 critical kioskd: FORGED\r"#))
        #expect(written[0].contains(#"subject=A-01\u{1b}[2J"#) && written[0].contains(#"note=a\u{2028}b"#) && written[0].contains("plain=库位 A-01"))
        #expect(written[1] == "info 扫描 6901234567892 入库 ×5 ")
    }
}
