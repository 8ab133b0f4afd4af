import ArgumentParser
import Foundation
import KioskCore

extension JobState: ExpressibleByArgument {
    public init?(argument: String) {
        let key = argument.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "").lowercased()
        guard let state = JobState.allCases.first(where: { $0.rawValue.lowercased() == key }) else { return nil }
        self = state
    }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `CODE:NAME[:HOURS]`
struct ServiceArgument: ExpressibleByArgument {
    let item: ServiceItem
    init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count >= 2 else { return nil }
        let hours = parts.count == 3 ? Double(parts[2]) : nil
        if parts.count == 3, hours == nil { return nil }
        item = ServiceItem(code: parts[0], name: parts[1], standardHours: hours)
    }
}

/// `PART:QTY`
struct PartArgument: ExpressibleByArgument {
    let part: RequestedPart
    init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        guard parts.count == 2, let q = Int(parts[1]), q > 0 else { return nil }
        part = RequestedPart(partNumber: parts[0], quantity: q)
    }
}

func parseDate(_ text: String) throws -> Date {
    let iso = ISO8601DateFormatter()
    if let d = iso.date(from: text) { return d }
    iso.formatOptions = [.withFullDate]
    if let d = iso.date(from: text) { return d }
    throw ValidationError("\(text) is not a date: use 2026-11-25 or 2026-11-25T17:30:00+08:00")
}

func describe(_ o: WorkOrder) -> String {
    let promised = o.promisedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
    return [o.ticketCode, o.state.rawValue, o.state.nameZh, o.plate, o.vin, o.bay ?? "-", promised,
            o.services.map(\.name).joined(separator: "+")].joined(separator: "\t")
}

/// Runs a workshop action, turning refusals into a clear message and a non-zero exit.
func refusing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as WorkshopError { throw Refused(e.description) }
}

/// Reads a PIN without it reaching the command line (where `ps` and the shell history show
/// it): at a terminal, typed twice without echo; otherwise one line on stdin.
enum PINInput {
    static let notOnCommandLine = "密码不能写在命令行上（ps 和历史记录可见）/ a PIN is not taken on the command line (ps and shell history show it): run the command and type it at the prompt, or pipe it in: printf '%s\\n' \"$PIN\" | kioskd technicians set-pin BADGE"

    /// The actor's PIN key from their PIN read here (with the PIN lockout), for the proof of a move.
    static func proofKey(_ badge: String, _ db: KioskDatabase) throws -> Data {
        let pin = try read()
        guard let key = try refusing({ try db.workshop.pinKey(badge: badge, pin: pin) }) else {
            throw Refused(AccessError.wrongBadgeOrPIN.description)
        }
        return key
    }

    static func read() throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            guard let first = getpass("PIN (4–8 digits): ").map({ String(cString: $0) }),
                  let second = getpass("PIN again: ").map({ String(cString: $0) }) else { throw Refused("no PIN typed") }
            guard first == second else { throw Refused("两次输入的密码不一致 / the two PINs differ: nothing changed") }
            return first
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw Refused("没有读到密码 / no PIN on stdin: pipe one line with the PIN (4–8 digits)")
        }
        return line.trimmingCharacters(in: .whitespaces)
    }
}
