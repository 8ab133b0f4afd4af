import Foundation
import Testing

/// Long commands show their progress on a terminal, and only a summary line in a pipe.
@Suite("Progress of long work")
struct ProgressCLITests {
    func catalogue(_ cli: CLI, parts: Int) -> String {
        let rows = (0..<parts).map { "P\($0),配件\($0),Part \($0),BC-\($0),A-\($0 % 40)" }
        return cli.write("parts.csv", "part_number,name_zh,name_en,barcodes,bin\n" + rows.joined(separator: "\n") + "\n")
    }

    @Test("in a pipe each long command writes one summary line and no progress line")
    func quietInAPipe() throws {
        let cli = try CLI()
        let file = catalogue(cli, parts: 3000)
        var environment = ProcessInfo.processInfo.environment
        environment["KIOSKD_PROGRESS"] = nil
        func run(_ arguments: [String], summary: String) throws -> CLI.Result {
            let result = try cli.run(arguments + ["--data-dir", cli.dataDir], environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("\r"), "\(arguments) redrew a line in a pipe: \(result.stderr.debugDescription)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(summary) && lines[0].hasSuffix(" s)"), "\(arguments): \(result.stderr)")
            return result
        }
        _ = try run(["parts", "import", file], summary: "已导入 imported 3,000 rows from \(file)")
        _ = try run(["parts", "export", cli.directory.appendingPathComponent("out.csv").path], summary: "已导出 exported 3,000 parts")
        #expect(try cli.store("scan", "KD:CMD:RECEIVE", "BC-1", "BC-41", "BC-2").status == 0)
        _ = try run(["stock", "check"], summary: "checked the balances against the movements: 0 drifted")
        _ = try run(["backup", "now", "--full"], summary: "已备份 backed up full-")
        _ = try run(["backup", "now"], summary: "已备份 backed up incr-")
        _ = try run(["backup", "verify"], summary: "已校验 verified 2 backups: 0 damaged")
        _ = try run(["backup", "restore", cli.directory.appendingPathComponent("restored.sqlite").path], summary: "已恢复 restored 2 backup files")
        _ = try run(["backup", "drill"], summary: "恢复演练完成 restore drill done")
        _ = try run(["labels", "preview", "bins", "A-1", "A-2", "A-3", "--out", cli.directory.appendingPathComponent("bins.pdf").path],
                    summary: "已生成 rendered 3 labels on 1 files")
        let opened = try cli.store("stocktake", "open", "--bin", "A-1")
        let id = try #require(opened.stdout.split(separator: " ").dropFirst(2).first.map(String.init), "\(opened.stdout)")
        _ = try run(["stocktake", "close", id], summary: "盘点已关闭 stocktake closed")
    }

    @Test("the export imports back unchanged")
    func exportRoundTrip() throws {
        let cli = try CLI()
        let tricky = cli.write("tricky.csv", "part_number,name_zh,name_en,barcodes,bin,safety_stock\nP-1,\"刹车片, 前\",\"Pad \"\"front\"\"\",6901234567892|AB-1,A-01,4\nP-2,机油,\"Oil\r\n4 L\",,B-01,0\n")
        #expect(try cli.store("parts", "import", tricky).status == 0)
        let first = try cli.store("parts", "export", "-").stdout
        #expect(first.contains("\"刹车片, 前\",\"Pad \"\"front\"\"\""), "\(first)")
        #expect(first.contains("P-2,机油,\"Oil\r\n4 L\""), "a line break inside a field is quoted: \(first.debugDescription)")
        let again = cli.write("again.csv", first)
        #expect(try cli.store("parts", "import", again).status == 0)
        #expect(try cli.store("parts", "export", "-").stdout == first)
    }

    @Test("on a terminal the import redraws one line with its count, and ends with the summary")
    func liveOnATerminal() throws {
        let cli = try CLI()
        let file = catalogue(cli, parts: 3000)
        // script(1) runs the command on a real pseudo-terminal, as a person at the board would.
        let command = "\(CLI.binary) parts import \(file) --data-dir \(cli.dataDir)"
        let result = try cli.run(["/usr/bin/script", "-qec", command, "/dev/null"], executable: "/usr/bin/script")
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("\r\u{1B}[K导入 importing 0/3,000 rows (0%)"), "\(result.stdout.debugDescription)")
        #expect(result.stdout.contains("\r\u{1B}[K已导入 imported 3,000 rows from \(file) ("), "\(result.stdout.debugDescription)")
        #expect(result.stdout.contains("已导入 imported 3000 parts"))
    }
}
