import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `kioskd demo`: a believable store in a folder of its own, whose tour works as printed.
@Suite("The demo store")
struct DemoTests {
    @Test("every command of the printed tour works as written, and the codes do what the tour says")
    func tourWorks() throws {
        let cli = try CLI()
        let demo = try cli.run(["demo", "--no-run", "--data-dir", cli.dataDir])
        #expect(demo.status == 0, "\(demo.stderr)")
        let tour = demo.stdout
        for page in ["/counter", "/bay/BAY-1", "/bay/BAY-2", "/bay/BAY-3", "/lobby", "/track/"] { #expect(tour.contains(page), "\(page) in \(tour)") }
        #expect(tour.split(separator: "\n").filter { $0.contains(/PIN \d{4}$/) }.count == 6, "six badges with their PINs:\n\(tour)")
        // Each `kioskd …` line of the tour, run exactly as printed.
        let commands = tour.split(separator: "\n").compactMap { line -> [String]? in
            guard let start = line.range(of: "kioskd ") else { return nil }
            let command = line[start.upperBound...].split(separator: "   ").first.map(String.init) ?? ""
            let words = command.split(separator: " ").map(String.init)
            return words.contains("--config") ? words : nil
        }
        #expect(commands.count == 4, "\(commands)")
        for command in commands {
            let result = try cli.run(command)
            #expect(result.status == 0, "kioskd \(command.joined(separator: " ")): \(result.stdout) \(result.stderr)")
        }
        let config = try #require(commands.first?.last)
        // The codes of the receipt, the issue and the alert, scanned as the tour lists them.
        func codes(_ label: String) throws -> [String] {
            let line = try #require(tour.split(separator: "\n").first { $0.contains(label) }, "no \(label) line")
            return line.split(separator: " ").map(String.init).filter { $0.hasPrefix("KD:") || $0.allSatisfy(\.isNumber) && $0.count == 13 }
        }
        let receipt = try cli.run(["scan"] + codes("a receipt:") + ["--config", config])
        #expect(receipt.status == 0 && receipt.stdout.contains("15400-RTA-003"), "\(receipt.stdout) \(receipt.stderr)")
        let issue = try cli.run(["scan"] + codes("an issue:") + ["--config", config])
        #expect(issue.status == 0, "\(issue.stdout) \(issue.stderr)")
        let alert = try cli.run(["scan"] + codes("an alert:") + ["--config", config])
        #expect(alert.stdout.contains("安全库存") || alert.stdout.lowercased().contains("safety"), "\(alert.stdout) \(alert.stderr)")
        #expect(try cli.run(["alerts", "--config", config]).stdout.contains("45022-TBA-A00"))
        #expect(try cli.run(["jobs", "list", "--config", config]).lines.count >= 5)
    }

    @Test("the README's short tour runs as written, command by command, on the demo store")
    func readmeTour() throws {
        let cli = try CLI()
        let readme = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md").path, encoding: .utf8)
        let section = try #require(readme.range(of: "## A short tour").map { readme[$0.upperBound...] })
        let block = try #require(section.range(of: "```sh\n").flatMap { start in
            section[start.upperBound...].range(of: "```").map { section[start.upperBound..<$0.lowerBound] } })
        // The last line starts the daemon; the rest runs as printed, with K pointing at this build.
        let lines = block.split(separator: "\n").filter { !$0.hasPrefix("$K demo --data-dir") }
            .map { $0.hasPrefix("K=") ? "K=\(CLI.binary)" : String($0) }
        let script = cli.write("tour.sh", "set -euo pipefail\nset -x\n" + lines.joined(separator: "\n") + "\n")
        let result = try cli.run(["/bin/bash", script], executable: "/bin/bash")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("label.png\tCODE-128\tKD:BIN:A-01"), "\(result.stdout)")
        #expect(result.stdout.contains("✓ 出库 45022-TBA-A00"), "\(result.stdout)")
    }

    @Test("a store that is not a demo store is refused and left as it was; a demo store opens again as it is")
    func neverARealStore() throws {
        let cli = try CLI()
        _ = try cli.store("parts", "import", cli.write("p.csv", "part_number,name_zh\nREAL-1,真实配件\n"))
        let refused = try cli.run(["demo", "--no-run", "--data-dir", cli.dataDir])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is not a demo store"), "\(refused.stderr)")
        #expect(try cli.store("parts", "list").lines.count == 1, "the real store is untouched")

        let other = cli.directory.appendingPathComponent("demo").path
        let first = try cli.run(["demo", "--no-run", "--data-dir", other])
        let again = try cli.run(["demo", "--no-run", "--data-dir", other])
        #expect(first.status == 0 && again.status == 0)
        #expect(first.stdout == again.stdout, "the same tour, tickets and PINs")
        #expect(try cli.run(["parts", "list", "--data-dir", other]).lines.count == 10, "filled once")
        // The demo store never runs as a real store: `kioskd run` on it is refused.
        let run = try cli.run(["run", "--data-dir", other, "--listen", "127.0.0.1:0"])
        #expect(run.status != 0 && run.stderr.contains("is the demo store"), "\(run.stderr)")
    }

    @Test("kioskd run --demo serves the demo store's pages")
    func runDemo() async throws {
        let cli = try CLI()
        let daemon = try RunningDaemon(cli, arguments: ["--demo", "--listen", "127.0.0.1:0"])
        try await daemon.waitForLog("kioskd ready")
        let port = try #require(daemon.stderr.firstMatch(of: /port=(\d+)/).map { String($0.1) }, "\(daemon.stderr)")
        let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/api/v1/lobby")!)
        let lobby = String(decoding: body, as: UTF8.self)
        #expect(lobby.contains("D2345") || lobby.contains("粤B"), "the demo's jobs on the lobby board: \(lobby)")
        daemon.process.terminate()
        #expect(try await daemon.exitStatus() == 0)
    }
}
