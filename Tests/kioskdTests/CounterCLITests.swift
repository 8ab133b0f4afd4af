import Foundation
import Testing

@Suite("The parts counter end to end through the kioskd command line")
struct CounterCLITests {
    let partsCSV = """
        part_number,name_zh,name_en,unit,barcodes,bin,safety_stock,reorder_point
        15400-RTA-003,机油滤清器,Oil filter,个,6901234567892|09501101530003,A-01,5,8
        08798-9036,"机油 0W-20, 4L","Engine oil 0W-20, 4L",瓶,4006381333931,A-02,2,3

        """

    @Test("import parts, scan in, scan out to a work order, see stock, movements and alerts")
    func tour() throws {
        let cli = try CLI()
        let imported = try cli.store("parts", "import", cli.write("parts.csv", partsCSV))
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("2 parts, 3 barcodes, 2 new bins"))

        let scanIn = try cli.store("scan", "KD:CMD:RECEIVE", "KD:BIN:A-01", "KD:CMD:QTY:10", "6901234567892")
        #expect(scanIn.status == 0)
        #expect(scanIn.lines.last?.hasPrefix("OK ✓ 入库 15400-RTA-003") == true, "\(scanIn.stdout)")

        let opened = try cli.store("jobs", "open", "--ticket", "WO2026-0001", "--plate", "粤B12345", "--vin", "LSVAU2180N2183294", "--phone", "13800138000")
        #expect(opened.status == 0, "\(opened.stderr)")
        let toNowhere = try cli.store("scan", "KD:CMD:ISSUE", "KD:WO:WO2026-0404")
        #expect(toNowhere.status == 3 && toNowhere.stdout.contains("unknown work order WO2026-0404") && toNowhere.stdout.contains("«不符"),
                "an unknown ticket is refused as the wrong work order: \(toNowhere.stdout)")
        let scanOut = try cli.store("scan", "KD:CMD:ISSUE", "KD:WO:WO2026-0001", "KD:CMD:QTY:3", "(01)09501101530003(10)LOT7")
        #expect(scanOut.status == 0, "\(scanOut.stdout)")
        #expect(scanOut.stdout.contains("到达补货点"), "7 on hand is at the reorder point 8")

        let refused = try cli.store("scan", "KD:CMD:QTY:50", "6901234567892")
        #expect(try cli.store("scan", "6901234567892").stdout.contains("×1 A-01"), "the refusal disarmed QTY 50")
        #expect(refused.status == 3)
        #expect(refused.lines.last?.hasPrefix("REJECTED 库存不足") == true)

        let stock = try cli.store("stock", "--part", "15400-RTA-003")
        #expect(stock.lines.contains("15400-RTA-003\tA-01\t6"))
        let movements = try cli.store("movements", "--work-order", "WO2026-0001")
        #expect(movements.lines.count == 3 && movements.lines.contains { $0.contains("\tissue\t15400-RTA-003\t3\tA-01\t") }, "\(movements.stdout)")
        #expect(movements.lines.contains { $0.contains("\tissue\t15400-RTA-003\t3\tA-01\t") && $0.contains("\tLOT7\t") },
                "the lot of the GS1 code is kept on the movement: \(movements.stdout)")
        #expect(try cli.store("alerts").stdout.contains("15400-RTA-003"))
        #expect(try cli.store("stock", "check").status == 0)
        let unknownPart = try cli.store("stock", "--part", "NOPE")
        #expect(unknownPart.status != 0 && unknownPart.stderr.contains("unknown part NOPE"))
    }

    @Test("a scan repeated with the same key is applied once")
    func idempotentKey() throws {
        let cli = try CLI()
        _ = try cli.store("parts", "import", cli.write("parts.csv", partsCSV))
        _ = try cli.store("scan", "KD:CMD:RECEIVE")
        let key = UUID().uuidString
        let first = try cli.store("scan", "--key", key, "4006381333931").lines
        #expect(first.first == "OK ✓ 入库 08798-9036 机油 0W-20, 4L ×1 A-02，现有 1 / receive Engine oil 0W-20, 4L ×1, on hand 1")
        #expect(first.last?.hasSuffix("«已完成·低库存 OK, LOW STOCK»") == true, "1 is below the safety stock of 2: \(first)")
        #expect(try cli.store("scan", "--key", key, "4006381333931").stdout.hasPrefix("= 已处理 already done"))
        #expect(try cli.store("stock").lines.contains("08798-9036\tA-02\t1"))
        #expect(try cli.store("scan", "--key", "not-a-uuid", "x").stderr.contains("--key must be a UUID"))
    }

    @Test("a CSV with bad rows is refused whole, naming line and column")
    func badImport() throws {
        let cli = try CLI()
        let csv = "part_number,name_zh,name_en,safety_stock\nP1,甲,A,3\nP2,,B,x\n"
        let result = try cli.store("parts", "import", cli.write("bad.csv", csv))
        #expect(result.status != 0)
        #expect(result.stderr.contains("line 3, 列 column name_zh"))
        #expect(result.stderr.contains("line 3, 列 column safety_stock"))
        #expect(try cli.store("parts", "list").stdout.isEmpty, "nothing was written")
        let dry = try cli.store("parts", "import", "--dry-run", cli.write("ok.csv", "零件号,名称,条码,库位\nP1,甲,6901234567892,A-01\n"))
        #expect(dry.status == 0 && dry.stdout.contains("第 2 行 line 2: 新增 new P1，新库位 new bin A-01"), "\(dry.stdout)\(dry.stderr)")
        #expect(try cli.store("parts", "list").stdout.isEmpty, "a dry run writes nothing")
    }

    @Test("a stocktake through the CLI: open, count by scanning, close with variance, confirm")
    func stocktake() throws {
        let cli = try CLI()
        _ = try cli.store("parts", "import", cli.write("parts.csv", partsCSV))
        _ = try cli.store("scan", "KD:CMD:RECEIVE", "KD:CMD:QTY:4", "4006381333931")
        let opened = try cli.store("stocktake", "open", "--bin", "A-02")
        let id = try #require(opened.stdout.split(separator: " ").dropFirst(2).first.map(String.init))
        #expect(try cli.store("scan", "KD:CMD:COUNT", "KD:BIN:A-02", "KD:CMD:QTY:5", "4006381333931").status == 0)
        let closed = try cli.store("stocktake", "close", id)
        #expect(closed.lines.contains("A-02\t08798-9036\t4\t5\t+1"), "\(closed.stdout) \(closed.stderr)")
        #expect(try cli.store("stocktake", "confirm", id).stdout.contains("1 adjustments"))
        #expect(try cli.store("stock").lines.contains("08798-9036\tA-02\t5"))
        #expect(try cli.store("stocktake", "confirm", id).status != 0)
        // The confirmation is in the audit log; an edit made behind kioskd's back is found.
        #expect(try cli.store("audit", "list").stdout.contains("stocktake.confirmed"))
        #expect(try cli.store("audit", "verify").status == 0)
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [cli.dataDir + "/kioskd.sqlite",
                            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'nobody'"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let verified = try cli.store("audit", "verify")
        #expect(verified.status == 8 && verified.stdout.contains("tampered with at entry #1"), "\(verified.stdout)")
    }

    @Test("audit verify exits 8 when the newest entries were deleted behind kioskd's back (the anchor no longer matches); audit head names the newest entry")
    func auditCutShort() throws {
        let cli = try CLI()
        for _ in 0..<3 { #expect(try cli.store("backup", "now").status == 0) }     // each backup is audited
        #expect(try cli.store("backup", "list").lines.allSatisfy { $0.hasSuffix("\tsigned") })
        let head = try cli.store("audit", "head")
        #expect(head.status == 0 && head.stdout.hasPrefix("#3\t"), "\(head.stdout)")
        #expect(try cli.store("audit", "verify").status == 0)
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [cli.dataDir + "/kioskd.sqlite", "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let verified = try cli.store("audit", "verify")
        #expect(verified.status == 8 && verified.stdout.contains("#3 is missing: the log was cut short"), "\(verified.stdout)")
    }

    @Test("scan-image prints every symbol of a PNG made by qrencode")
    func scanImage() throws {
        let cli = try CLI()
        let png = cli.directory.appendingPathComponent("ticket.png").path
        let qrencode = Process()
        qrencode.executableURL = URL(fileURLWithPath: "/usr/bin/qrencode")
        qrencode.arguments = ["-o", png, "KD:WO:WO2026-0001"]
        try qrencode.run()
        qrencode.waitUntilExit()
        let result = try cli.run(["scan-image", png])
        #expect(result.stdout == "\(png)\tQR-Code\tKD:WO:WO2026-0001\n")
        let missing = try cli.run(["scan-image", "/nonexistent.pgm"])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read image /nonexistent.pgm"))
    }
}
