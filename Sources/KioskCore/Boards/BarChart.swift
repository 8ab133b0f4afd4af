import Foundation

/// A horizontal bar chart drawn as SVG by the server (pure): one bar per row with its label and
/// value, and an optional target line (100 % efficiency, say). Inline in the page: no script
/// and no asset from outside; every text is escaped.
public struct BarChart: Sendable, Hashable {
    public struct Bar: Sendable, Hashable {
        public var label: String
        public var value: Double
        /// What the value shows as (`112 %`, `6.5 h`).
        public var text: String
        public init(label: String, value: Double, text: String) { (self.label, self.value, self.text) = (label, value, text) }
    }

    public var title: String
    public var bars: [Bar]
    /// Where the target line stands, in the values' unit (nil: none).
    public var target: Double?
    public var targetText: String?

    public init(title: String, bars: [Bar], target: Double? = nil, targetText: String? = nil) {
        (self.title, self.bars, self.target, self.targetText) = (title, bars, target, targetText)
    }

    /// The SVG element (`role="img"` with the title for screen readers), `width` wide in its
    /// own units, scaling to its box.
    public func svg(width: Int = 560) -> String {
        let row = 30, top = 30, labelWidth = 150, valueWidth = 80
        let barWidth = Double(width - labelWidth - valueWidth - 10)
        let height = top + max(1, bars.count) * row + (target != nil && targetText != nil ? 24 : 10)
        let scale = max(bars.map(\.value).max() ?? 0, target ?? 0, 1e-9)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="100%" role="img" aria-label="\(Self.escape(title))" class="chart">\
            <title>\(Self.escape(title))</title>\
            <text x="0" y="18" class="chart-title">\(Self.escape(title))</text>
            """
        if bars.isEmpty {
            out += #"<text x="0" y="\#(top + 20)" class="chart-empty">— 暂无数据 / no data —</text>"#
        }
        for (i, bar) in bars.enumerated() {
            let y = top + i * row
            let length = max(0, bar.value / scale * barWidth)
            out += #"<text x="0" y="\#(y + 19)" class="chart-label">\#(Self.escape(String(bar.label.prefix(18))))</text>"#
            out += #"<rect x="\#(labelWidth)" y="\#(y + 5)" width="\#(String(format: "%.1f", length))" height="\#(row - 10)" rx="3" class="chart-bar"/>"#
            out += #"<text x="\#(labelWidth + Int(length) + 6)" y="\#(y + 19)" class="chart-value">\#(Self.escape(bar.text))</text>"#
        }
        if let target {
            let x = Double(labelWidth) + target / scale * barWidth
            out += #"<line x1="\#(String(format: "%.1f", x))" y1="\#(top)" x2="\#(String(format: "%.1f", x))" y2="\#(height - (targetText == nil ? 6 : 18))" class="chart-target"/>"#
            // Under the bars, where it meets no title.
            if let targetText { out += #"<text x="\#(String(format: "%.1f", x + 4))" y="\#(height - 4)" class="chart-target-text">\#(Self.escape(targetText))</text>"# }
        }
        return out + "</svg>"
    }

    /// XML text and attribute escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Characters XML 1.0 does not allow are left out.
                if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" { continue }
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
