import ArgumentParser
import Foundation
import KioskCore

@main
struct Kioskd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kioskd",
        abstract: "kioskd — 4S 店车间现场守护进程 / the shop-floor daemon of a car dealership.",
        discussion: """
            Runs the parts counter: scans move stock durably in a local SQLite file, with feedback \
            after every commit. Without --config (and without /etc/kioskd/kioskd.toml) kioskd uses \
            its embedded default: data in ./kioskd-data, scans from standard input and a FIFO.
            """,
        subcommands: [
            Run.self, Scan.self, ScanImage.self, Parts.self, Bins.self, StockCommand.self,
            Movements.self, StocktakeCommand.self, Alerts.self, Jobs.self, Technicians.self, Appointments.self, Vehicles.self,
            YardCommand.self, AuditCommand.self, BackupCommand.self, LabelsCommand.self, TicketCommand.self, PrintQueueCommand.self, HubCommand.self, SyncCommand.self, WebhooksCommand.self, TransfersCommand.self, PurchaseOrdersCommand.self,
            CheckConfig.self, Demo.self,
        ]
    )

    /// A printer or client that hangs up mid-write must give an error to handle, never SIGPIPE.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        // Without TZ, glibc stats /etc/localtime again at every strftime, so every log line
        // cost a path walk (on the rig's 9p root, a twelfth of the scan desk's CPU). Set to
        // the same file, the zone is read once: a zone changed while kioskd runs shows in its
        // log times after a restart. A TZ given by the environment is kept.
        setenv("TZ", ":/etc/localtime", 0)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options every command that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (default: /etc/kioskd/kioskd.toml if present, else the embedded default).")
    var config: String?

    @Option(name: .long, help: "Overrides device.data_dir: where kioskd.sqlite lives.")
    var dataDir: String?

    func loadConfig() throws -> KioskConfig {
        do {
            var config = try KioskConfig.load(path: config)
            if let dataDir { config.dataDirectory = dataDir }
            return config
        } catch {
            throw ValidationError(error.description)
        }
    }

    func openDatabase() throws -> (KioskConfig, KioskDatabase) {
        let config = try loadConfig()
        let database: KioskDatabase
        do {
            database = try KioskDatabase.open(at: config.databasePath, key: config.personalDataKey())
        } catch let error as PersonalDataError {
            throw Refused(error.description)
        }
        try database.printQueue.setTicketOnCheckIn(printer: config.labels.printTicketOnCheckIn ? config.labels.ticketPrinter : nil)
        try database.printQueue.setArrivalSlips(printer: config.receiptPrinter)
        return (config, database)
    }
}

/// A refusal to show to the person at the device, with a non-zero exit status.
struct Refused: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension Refused: LocalizedError {
    var errorDescription: String? { description }
}

/// Exit with a message on stderr and a status (ArgumentParser prints thrown errors this way too).
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    return ExitCode(code)
}

/// Who runs a command, for the audit log: `cli:<login>`, the login behind sudo, else the
/// account the process runs as (from the password database, so that a shell or unit without
/// `$USER` still names it), else its uid.
var cliActor: String { "cli:" + cliLogin(environment: ProcessInfo.processInfo.environment, uid: geteuid()) }

func cliLogin(environment: [String: String], uid: uid_t) -> String {
    // sudo sets SUDO_USER for a command it runs as root; anyone else could set it to anything.
    if uid == 0, let sudo = environment["SUDO_USER"], !sudo.isEmpty { return sudo }
    if let entry = getpwuid(uid), let name = entry.pointee.pw_name, !String(cString: name).isEmpty { return String(cString: name) }
    if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
    return "uid\(uid)"
}
