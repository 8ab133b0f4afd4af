import ArgumentParser
import Foundation
import KioskCore

struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Handle scanned codes at this counter, as if scanned (for scripts and tests).",
        discussion: """
            Each code is one scan, in order, through the same counter session the daemon uses. \
            Prints one feedback line per scan. Exits 0 if every scan was accepted, 3 if any was refused.
            """)

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Idempotency key of the (single) scan: repeating a key changes nothing.")
    var key: String?

    @Option(name: .long, help: "The source name recorded with the scan.")
    var source = "cli"

    @Argument(help: "The scanned texts, e.g. KD:CMD:RECEIVE KD:BIN:A-01 6901234567892.")
    var codes: [String]

    func validate() throws {
        if key != nil, codes.count != 1 { throw ValidationError("--key applies to exactly one code; give one code") }
        if let key, UUID(uuidString: key) == nil { throw ValidationError("--key must be a UUID, e.g. \(UUID().uuidString)") }
    }

    func run() async throws {
        let (config, database) = try store.openDatabase()
        let counter = Counter(database: database, deviceID: config.deviceID,
                              options: .init(allowNegativeStock: config.allowNegativeStock, defaultActor: config.defaultActor, bay: config.bay,
                                             expiredAtReceipt: config.expiredAtReceipt, maximumQuantityPerScan: config.maximumQuantityPerScan))
        var refused = false
        for code in codes {
            let event = ScanEvent(id: key.flatMap(UUID.init(uuidString:)) ?? UUID(), source: source, text: code)
            let feedback = try counter.handle(event)
            print(FeedbackLine.format(feedback))
            refused = refused || !feedback.accepted
        }
        if refused { throw ExitCode(3) }
    }
}

/// The one-line form of a scan's feedback, shared by the CLI and the daemon's log.
enum FeedbackLine {
    static func format(_ f: ScanFeedback) -> String {
        let mark = f.duplicate ? "= 已处理 already done:" : (f.accepted ? "OK" : "REJECTED")
        // The outcomes a plain OK or REJECTED does not tell apart get their label at the end.
        let tag: String = switch f.outcome {
        case .accepted, .refused, .storeFault, .duplicate: ""
        case .acceptedLow, .wrong, .unknownCode: " «\(f.outcome.label)»"
        }
        return "\(mark) \(f.message)\(tag)"
    }
}
