extension String {
    /// The text without the white space and line ends around it: the Unicode scalars that
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` removes (Unicode's White_Space, and
    /// the zero-width space that Foundation counts too), found without Foundation's bridging,
    /// which cost a twentieth of each scan's time.
    public func trimmingWhitespace() -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace || scalar == "\u{200B}" }
        guard let first = unicodeScalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = unicodeScalars.lastIndex(where: { !isSpace($0) })!
        return String(unicodeScalars[first...last])
    }
}
