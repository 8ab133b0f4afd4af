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

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work orders at the bays (工单): open, move through the job states, clock on and off, report.",
        subcommands: [Open.self, List.self, Show.self, Move.self, Next.self, ClockOn.self, ClockOff.self, RequestParts.self,
                      PartsRequests.self, Report.self])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a work order (checked in).")
        @OptionGroup var store: StoreOptions
        @Option var plate: String
        @Option var vin: String
        @Option var phone: String
        @Option(name: .customLong("service"), help: "CODE:NAME[:STANDARD_HOURS], repeatable.") var services: [ServiceArgument] = []
        @Option(help: "Promised time (ISO 8601).") var promised: String?
        @Option var bay: String?
        @Option(help: "The ticket code (default: WO<date>-<n>).") var ticket: String?
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let order = try refusing {
                try db.workshop.open(WorkOrderDraft(ticketCode: ticket, plate: plate, vin: vin, customerPhone: phone,
                                                    services: services.map(\.item), promisedAt: try promised.map(parseDate), bay: bay), actor: actor ?? cliActor)
            }
            print("已开单 opened \(order.ticketCode)\tphone page token \(order.publicToken)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open work orders.")
        @OptionGroup var store: StoreOptions
        @Option var bay: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for o in try db.workshop.openOrders(bay: bay) { print(describe(o)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A work order with its transitions.")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            guard let o = try db.workshop.order(ticket) else { throw Refused(WorkshopError.unknownWorkOrder(ticket).description) }
            print(describe(o))
            for t in try db.workshop.transitions(of: ticket) {
                print("  \(ISO8601DateFormatter().string(from: t.at))\t\(t.fromState?.rawValue ?? "-") → \(t.toState.rawValue)\t\(t.actor)\t\(t.bay ?? "-")\t\(t.reason ?? "")")
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a job to a state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Argument var state: JobState
        @Option var reason: String?
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
        @Flag(help: "Read the actor's PIN (prompt or stdin): the move carries their proof, which the hub needs from a bay or desk.")
        var withPin = false
        @Option var bay: String?
        @Option(name: .customLong("part"), help: "PART:QTY the job waits for (with waitingParts), repeatable.") var parts: [PartArgument] = []
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let key = try withPin ? PINInput.proofKey(actor ?? cliActor, db) : nil
            let o = try refusing { try db.workshop.transition(ticket, to: state, actor: actor ?? cliActor, bay: bay, reason: reason, parts: parts.map(\.part), proofKey: key) }
            print(describe(o))
        }
    }

    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Advance a job along the main path (the bay's button).")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Option(help: "Who does it, for the audit log and the job's history (default: cli:<your login>).") var actor: String?
        @Flag(help: "Read the actor's PIN (prompt or stdin): the move carries their proof, which the hub needs from a bay or desk.")
        var withPin = false
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let key = try withPin ? PINInput.proofKey(actor ?? cliActor, db) : nil
            print(describe(try refusing { try db.workshop.advance(ticket, actor: actor ?? cliActor, proofKey: key) }))
        }
    }

    struct ClockOn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clock-on", abstract: "Clock a technician onto a job.")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument var ticket: String
        @Option var bay: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            _ = try refusing { try db.workshop.clockOn(badge: badge, ticket: ticket, bay: bay) }
            print("上工 \(badge) on \(ticket)")
        }
    }

    struct ClockOff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clock-off", abstract: "Clock a technician off.")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            try refusing { try db.workshop.clockOff(badge: badge) }
            print("下工 \(badge) off")
        }
    }

    struct RequestParts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "request-parts", abstract: "Ask the counter for parts for a job.")
        @OptionGroup var store: StoreOptions
        @Argument var ticket: String
        @Option(name: .customLong("part"), help: "PART:QTY, repeatable.") var parts: [PartArgument]
        @Option var bay: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let r = try refusing { try db.workshop.requestParts(ticket, bay: bay, parts: parts.map(\.part)) }
            print("已请求 requested \(r.parts.map { "\($0.partNumber)×\($0.quantity)" }.joined(separator: " ")) for \(ticket)")
        }
    }

    struct PartsRequests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "parts-requests", abstract: "Open parts requests (who waits for parts).")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for r in try db.workshop.openPartsRequests() {
                print("\(r.ticketCode)\t\(r.bay ?? "-")\t\(r.parts.map { "\($0.partNumber)×\($0.quantity)" }.joined(separator: " "))")
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time per state, technician efficiency and bay utilisation.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Start of the window (default: 7 days ago).") var from: String?
        @Option(help: "End of the window (default: now).") var to: String?
        @Option(help: "Print one table as CSV: technicians, states or bays.") var csv: String?

        func validate() throws {
            if let csv, !["technicians", "states", "bays"].contains(csv) { throw ValidationError("--csv must be technicians, states or bays") }
        }

        func run() async throws {
            let (_, db) = try store.openDatabase()
            let end = try to.map(parseDate) ?? Date()
            let start = try from.map(parseDate) ?? end.addingTimeInterval(-7 * 86400)
            let report = WorkshopReport(try db.workshop.history(from: start, to: end), now: Date())
            switch csv {
            case "technicians": print(report.techniciansCSV, terminator: "")
            case "states": print(report.stateTimeCSV, terminator: "")
            case "bays": print(report.baysCSV, terminator: "")
            default:
                print("技师效率 technician efficiency (standard ÷ actual hours)\n" + report.techniciansCSV)
                print("工位利用率 bay utilisation\n" + report.baysCSV)
                print("各状态时长 hours per state per job\n" + report.stateTimeCSV, terminator: "")
            }
        }
    }
}

struct Technicians: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Staff (技师 and everyone else with a badge): badges, PINs and roles.",
        discussion: "Roles: clerk 配件员, technician 技师, service_advisor 服务顾问, manager 经理, admin 管理员. Role changes go to the audit log.",
        subcommands: [Add.self, SetPIN.self, Unlock.self, Role.self, List.self], aliases: ["staff"])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a person; the badge carries KD:TECH:<badge>.")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument var name: String
        @Flag(help: "Ask for a PIN (4–8 digits) for the touch pages: typed at a prompt, or one line on stdin.") var withPin = false
        @Option(help: .hidden) var pin: String?
        @Option(help: "Their role (default technician): clerk, technician, service_advisor, manager, admin.") var role: String?
        func run() async throws {
            if pin != nil { throw Refused(PINInput.notOnCommandLine) }
            let typed = withPin ? try PINInput.read() : nil
            let (_, db) = try store.openDatabase()
            let parsed = try role.map { text in
                guard let r = StaffRole(argument: text) else { throw Refused(AccessError.unknownRole(text).description) }
                return r
            }
            if let typed { _ = try refusing { try PINHash.make(typed) } }   // a bad PIN changes nothing
            try db.workshop.save(Technician(badge: badge, name: name, pinHash: nil))
            // Through setPIN, so that the new PIN is audited under the CLI's user and ends the badge's sessions.
            if let typed { try refusing { try db.workshop.setPIN(badge: badge, pin: typed, actor: cliActor) } }
            if let parsed { try db.access.setRole(badge: badge, to: parsed, actor: cliActor) }
            print("已登记 registered \(badge) \(name)\(parsed.map { " (\($0.rawValue))" } ?? "")")
        }
    }
    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a person a role (written to the audit log).")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument(help: "clerk, technician, service_advisor, manager or admin") var role: String
        func run() async throws {
            guard let parsed = StaffRole(argument: role) else { throw Refused(AccessError.unknownRole(role).description) }
            let (_, db) = try store.openDatabase()
            do {
                try db.access.setRole(badge: badge, to: parsed, actor: cliActor)
            } catch let error as AccessError {
                throw Refused(error.description)
            } catch let error as WorkshopError {
                throw Refused(error.description)
            }
            print("\(badge) → \(parsed.rawValue) \(parsed.nameZh)")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everyone with a badge, and their role.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, db) = try store.openDatabase()
            for person in try db.access.staff() {
                print([person.badge, person.name, person.role.rawValue, person.role.nameZh].joined(separator: "\t"))
            }
        }
    }
    struct SetPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-pin", abstract: "Set a technician's PIN (4–8 digits).")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        @Argument(help: .hidden) var pin: String?
        func run() async throws {
            if pin != nil { throw Refused(PINInput.notOnCommandLine) }
            let typed = try PINInput.read()
            let (_, db) = try store.openDatabase()
            try refusing { try db.workshop.setPIN(badge: badge, pin: typed, actor: cliActor) }
            print("已设置密码 PIN set for \(badge) (their open sessions are ended)")
        }
    }
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a badge's PIN lock after checking with the person (audited; the next lock still lasts longer).")
        @OptionGroup var store: StoreOptions
        @Argument var badge: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            try refusing { try db.workshop.unlockPIN(badge: badge, actor: cliActor) }
            print("已解锁 unlocked \(badge)")
        }
    }
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

struct Appointments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Appointments (预约) from upstream.", subcommands: [Add.self, CheckIn.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record an appointment; its QR code is KD:APT:<code>.")
        @OptionGroup var store: StoreOptions
        @Argument var code: String
        @Option var plate: String
        @Option var vin: String
        @Option var phone: String
        @Option(name: .customLong("service")) var services: [ServiceArgument] = []
        @Option var promised: String?
        func run() async throws {
            let (_, db) = try store.openDatabase()
            try db.workshop.save(Appointment(code: code, plate: plate, vin: vin, customerPhone: phone, services: services.map(\.item),
                                             promisedAt: try promised.map(parseDate)))
            print("已登记预约 appointment \(code)")
        }
    }
    struct CheckIn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-in", abstract: "Open the work order of an appointment.")
        @OptionGroup var store: StoreOptions
        @Argument var code: String
        func run() async throws {
            let (_, db) = try store.openDatabase()
            let o = try refusing { try db.workshop.checkIn(appointment: code, actor: cliActor) }
            print("已接车 checked in \(o.ticketCode)")
        }
    }
}
