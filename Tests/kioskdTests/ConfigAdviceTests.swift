import Foundation
import Testing

/// What `check-config` says about settings that load but do not work where the store is:
/// the ticket's QR code, bays without lamps, counters without scanners, sync without https.
@Suite("Config advice: derived defaults and warnings")
struct ConfigAdviceTests {
    func check(_ toml: String) throws -> CLI.Result {
        let cli = try CLI()
        return try cli.run(["check-config", "--config", cli.write("k.toml", toml)])
    }

    @Test("on loopback only, the ticket's QR code would point at 127.0.0.1: check-config warns and says how to fix it")
    func loopbackTrackURL() throws {
        let result = try check("[device]\nid = \"c1\"\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("labels.track_url = http://127.0.0.1:8080/track/ (derived)"), "\(result.stdout)")
        #expect(result.stdout.contains("warning: labels.track_url"), "\(result.stdout)")
        #expect(result.stdout.contains("no customer's phone can open"))
        #expect(result.stdout.contains("config OK with 1 warning"), "\(result.stdout)")
        #expect(!result.stdout.contains("配置可用 config OK\n"))
    }

    @Test("a track_url given as localhost is warned about too")
    func givenLoopbackTrackURL() throws {
        let result = try check("[labels]\ntrack_url = \"http://localhost:8080/track/\"\n")
        #expect(result.stdout.contains("labels.track_url = http://localhost:8080/track/\n"), "\(result.stdout)")
        #expect(result.stdout.contains("warning: labels.track_url"))
    }

    @Test("pages on the store network: the ticket points at this board's address, and nothing is warned")
    func boardAddress() throws {
        let result = try check("[web]\nlisten = \"192.168.1.20:8080\"\n")
        #expect(result.status == 0)
        #expect(result.stdout.contains("labels.track_url = http://192.168.1.20:8080/track/ (derived)"), "\(result.stdout)")
        #expect(!result.stdout.contains("warning:"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("配置可用 config OK\n"))
    }

    @Test("listening on every address: the ticket uses an address of this board that is not loopback, when it has one")
    func wildcardListen() throws {
        let result = try check("[web]\nlisten = \"0.0.0.0:8080\"\n")
        let line = try #require(result.lines.first { $0.hasPrefix("labels.track_url = ") })
        if line.contains("127.0.0.1") {
            #expect(result.stdout.contains("warning: labels.track_url"), "a board with no network must still be warned")
        } else {
            #expect(line.hasPrefix("labels.track_url = http://") && line.hasSuffix(":8080/track/ (derived)"), "\(line)")
            #expect(!result.stdout.contains("warning:"), "\(result.stdout)")
        }
    }

    @Test("a device that syncs: the ticket points at the hub, which holds every device's jobs")
    func hubTrackURL() throws {
        let result = try check("[sync]\nupstream = \"https://hub.local:8443\"\n")
        #expect(result.stdout.contains("labels.track_url = https://hub.local:8443/track/ (derived)"), "\(result.stdout)")
        #expect(!result.stdout.contains("warning:"), "\(result.stdout)")
    }

    @Test("settings that make no sense together are warned about, each naming its key", arguments: [
        ("[web]\nlisten = \"10.0.0.5:8080\"\n[bay]\nid = \"BAY-1\"\n", "warning: bay.id = BAY-1: 工位没有 GPIO"),
        ("scanners = []\n[web]\nlisten = \"10.0.0.5:8080\"\n", "warning: scanners: 柜台没有扫描枪"),
        ("[sync]\nupstream = \"http://hub.local:8080\"\nallow_insecure_upstream = true\n", "warning: sync.upstream = http://hub.local:8080: 同步未加密"),
    ])
    func nonsense(toml: String, warning: String) throws {
        let result = try check(toml)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(warning), "\(result.stdout)")
        #expect(result.stdout.contains("config OK with 1 warning"), "\(result.stdout)")
    }

    @Test("the CLI's audit actor is cli:<login> even without $USER, for set-pin, roles and backups")
    func cliActorWithoutUser() throws {
        let cli = try CLI()
        var environment = ProcessInfo.processInfo.environment
        environment["USER"] = nil; environment["LOGNAME"] = nil; environment["SUDO_USER"] = nil
        let login = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        func run(_ arguments: [String], stdin: String? = nil) throws -> CLI.Result {
            let result = try cli.run(arguments + ["--data-dir", cli.dataDir], stdin: stdin, environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        _ = try run(["technicians", "add", "T1", "王师傅", "--with-pin"], stdin: "2468\n")
        _ = try run(["technicians", "set-pin", "T1"], stdin: "1357\n")
        _ = try run(["technicians", "role", "T1", "manager"])
        _ = try run(["backup", "now", "--full"])
        let audit = try run(["audit", "list"]).lines
        let actions = ["technician.pin_set", "staff.role_changed", "backup.taken"]
        for action in actions {
            let rows = audit.filter { $0.split(separator: "\t").count > 3 && $0.split(separator: "\t")[3] == action }
            #expect(!rows.isEmpty, "no \(action) in \(audit)")
            for row in rows { #expect(row.split(separator: "\t")[2] == "cli:\(login)", "\(row)") }
        }
        #expect(audit.filter { $0.contains("\ttechnician.pin_set\t") }.count == 2, "technicians add --with-pin records its PIN too: \(audit)")
        #expect(!audit.contains { $0.contains("cli:unknown") || $0.contains("\tadmin\t") })
    }
}
