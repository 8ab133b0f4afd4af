import Foundation
import Testing

/// What `zbarimg` (Debian's zbar-tools) reads from an image file.
func zbarimg(_ path: String) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
    process.arguments = ["--quiet", "--raw", path]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

@Suite("Labels and tickets from the command line")
struct LabelsCLITests {
    @Test("a printer that is off keeps the job queued (exit 9); a folder printer writes PNG sheets that scan; preview writes a PDF")
    func printing() throws {
        let cli = try CLI()
        let office = cli.directory.appendingPathComponent("office").path
        let config = cli.write("kioskd.toml", """
            [device]
            id = "desk"
            data_dir = "\(cli.dataDir)"
            [[printers]]
            name = "zebra"
            language = "zpl"
            address = "127.0.0.1:9"
            [[printers]]
            name = "office"
            language = "png"
            directory = "\(office)"
            dpi = 203
            [labels]
            label_printer = "zebra"
            ticket_printer = "office"
            print_ticket_on_check_in = true
            store_name = "测试 4S 店"
            track_url = "https://shop.example.cn/track/"
            """)
        let K = { (args: [String]) throws -> CLI.Result in try cli.run(args + ["--config", config]) }
        #expect(try K(["check-config"]).status == 0)
        for code in ["A-01", "A-02", "A-03"] { _ = try K(["bins", "add", code]) }

        let queued = try K(["labels", "bins", "--from", "A-01", "--to", "A-02"])
        #expect(queued.status == 9, "\(queued.stdout) \(queued.stderr)")
        #expect(queued.stdout.contains("离线") && queued.stdout.contains("job #1 is queued"))
        #expect(try K(["print-queue"]).stdout.contains("#1\tzebra\tbins\tA-01,A-02\twaiting"))
        #expect(try K(["labels", "bins", "--from", "X-01", "--to", "X-09"]).stderr.contains("no bins from X-01 to X-09"))
        #expect(try K(["labels", "commands", "--printer", "nope"]).stderr.contains("no printer named nope"))

        let printed = try K(["labels", "bins", "A-03", "--printer", "office"])
        #expect(printed.status == 0 && printed.stdout.contains("printed job #2"))
        let sheet = "\(office)/job-2-bins.png"
        #expect(try zbarimg(sheet) == ["KD:BIN:A-03"])

        // Opening a work order queues its ticket (print_ticket_on_check_in), in the same transaction.
        let opened = try K(["jobs", "open", "--ticket", "WO-9", "--plate", "粤B12345", "--vin", "LSVAU2180N2183294", "--phone", "13800138000"])
        #expect(opened.status == 0)
        let token = try #require(opened.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let retry = try K(["print-queue", "retry"])
        #expect(retry.status == 9, "the zebra is still off: \(retry.stdout)")
        let ticket = try #require(try FileManager.default.contentsOfDirectory(atPath: office).first { $0.contains("ticket") })
        #expect(try zbarimg("\(office)/\(ticket)") == ["https://shop.example.cn/track/\(token)"])

        #expect(try K(["print-queue", "cancel", "1"]).status == 0)
        #expect(try K(["print-queue", "retry"]).status == 0, "nothing waits once the job is cancelled")
        let pdf = cli.directory.appendingPathComponent("commands.pdf").path
        #expect(try K(["labels", "preview", "commands", "--out", pdf]).status == 0)
        #expect(FileManager.default.contents(atPath: pdf)?.starts(with: Data("%PDF".utf8)) == true)
    }
}
