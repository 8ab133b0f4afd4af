import Logging

/// A log handler that keeps every entry on one line: control characters in the message and the
/// metadata (a newline in a print job's subject, a scanner's garbage, an error text quoting
/// what a client sent) are written escaped (`\n`, `\r`, `\t`, `\u{1b}`…), so that nothing a
/// client sends can start a line of its own and pass for the daemon's (log forging).
public struct OneLineLogHandler<Inner: LogHandler>: LogHandler {
    public var inner: Inner

    public init(_ inner: Inner) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        let text = message.description
        inner.log(level: level, message: Self.needsEscaping(text) ? "\(Self.oneLine(text))" : message,
                  metadata: metadata.map { $0.mapValues(Self.oneLine) }, source: source, file: file, function: function, line: line)
    }

    /// Whether `text` holds a character that would break the line: a C0 or C1 control
    /// character, DEL, or Unicode's line and paragraph separators.
    static func needsEscaping(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 } && text.unicodeScalars.contains(where: breaksLine)
    }

    private static func breaksLine(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// `text` with every character that would break the line escaped.
    static func oneLine(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where breaksLine(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func oneLine(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): needsEscaping(text) ? .string(oneLine(text)) : value
        case .stringConvertible(let convertible):
            needsEscaping(convertible.description) ? .string(oneLine(convertible.description)) : value
        case .dictionary(let dictionary): .dictionary(dictionary.mapValues(oneLine))
        case .array(let array): .array(array.map(oneLine))
        }
    }
}

extension String {
    /// This text on one line: control characters and Unicode's line and paragraph separators
    /// written escaped (`\n`, `\r`, `\t`, `\u{1b}`…), as ``OneLineLogHandler`` writes log entries.
    public var escapingLineBreaks: String { OneLineLogHandler<StreamLogHandler>.oneLine(self) }

    /// Whether this text holds a character that would start a line of its own in a log or a
    /// file (a C0 or C1 control character, DEL, Unicode's line and paragraph separators).
    public var breaksLines: Bool { OneLineLogHandler<StreamLogHandler>.needsEscaping(self) }
}
