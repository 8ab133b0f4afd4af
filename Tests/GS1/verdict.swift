// kioskd's side of the GS1 differential test (Tests/GS1/differential): the same input lines as
// oracle.c (MODE <TAB> INPUT, {GS} for the group separator), one verdict per line:
//   OK <TAB> humanReadable      accepted as GS1
//   NOTGS1 <TAB> -              read(_:) says: a plain code, not GS1
//   ERR <TAB> description       refused
// `scan` and `raw` go through GS1ElementString.read (the counter's entry point), `ai` and `dl`
// through GS1ElementString.parse. Built with swiftc from KioskCore's Barcodes/*.swift.

@main
struct GS1Verdict {
    static func main() {
        while let line = readLine(strippingNewline: true) {
            guard let tab = line.firstIndex(of: "\t") else { print("ERR\tmalformed test line"); continue }
            let mode = line[..<tab]
            let input = line[line.index(after: tab)...].replacingOccurrences(of: "{GS}", with: "\u{1D}")
            switch mode {
            case "scan", "raw":
                switch GS1ElementString.read(input) {
                case .gs1(let parsed): emit("OK", parsed.humanReadable)
                case .notGS1: emit("NOTGS1", "-")
                case .invalid(let error): emit("ERR", error.description)
                }
            case "ai", "dl":
                do { emit("OK", try GS1ElementString.parse(input).humanReadable) } catch { emit("ERR", error.description) }
            default:
                emit("ERR", "unknown mode")
            }
        }
    }

    static func emit(_ verdict: String, _ text: String) {
        let shown = text.replacingOccurrences(of: "\u{1D}", with: "{GS}").replacingOccurrences(of: "\t", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
        print("\(verdict)\t\(shown)")
    }
}
