import Foundation
import Testing

@Suite("Vehicles and the yard through the kioskd command line")
struct VehiclesCLITests {
    @Test("a car through the yard: receive, move, sell, PDI, deliver; a model below safety stock; a refused step exits non-zero")
    func yard() throws {
        let cli = try CLI()
        for row in ["Y-01", "Y-02"] { _ = try cli.store("bins", "add", row) }
        let alert = try cli.store("yard", "safety-stock", "Sagitar", "1")
        #expect(alert.stdout.contains("model Sagitar: 0 free to sell, below safety stock 1"), "\(alert.stdout)\(alert.stderr)")
        let received = try cli.store("yard", "receive", "LFV2A21K6A3043255", "--model", "Sagitar", "--colour", "白 white", "--bin", "Y-01")
        #expect(received.status == 0 && received.stdout.contains("已恢复 cleared: Sagitar"), "\(received.stdout)\(received.stderr)")
        #expect(try cli.store("yard", "move", "LFV2A21K6A3043255", "--to", "Y-02").status == 0)
        let early = try cli.store("yard", "deliver", "LFV2A21K6A3043255")
        #expect(early.status != 0 && early.stderr.contains("cannot deliver it"), "\(early.stderr)")
        #expect(try cli.store("yard", "sell", "LFV2A21K6A3043255", "--order", "SO-7").stdout.contains("⚠ 车型 Sagitar 可售 0 台"))
        #expect(try cli.store("yard", "pdi", "LFV2A21K6A3043255").status == 0)
        #expect(try cli.store("yard", "deliver", "LFV2A21K6A3043255").status == 0)
        let history = try cli.store("yard", "history", "LFV2A21K6A3043255")
        #expect(history.lines.map { $0.split(separator: "\t")[1] } == ["receive", "move", "sell", "inspect", "deliver"])
        #expect(try cli.store("yard", "list").stdout.isEmpty)
        #expect(try cli.store("yard", "list", "--all").stdout.contains("delivered"))
        let bad = try cli.store("yard", "receive", "LFV2A21K6A3O43255", "--model", "M", "--colour", "C", "--bin", "Y-01")
        #expect(bad.status != 0 && bad.stderr.contains("\"O\" at position 12"), "\(bad.stderr)")
    }

    @Test("check-in by VIN at the service desk: first visit needs phone and plate, the next visit finds the customer and history")
    func checkIn() throws {
        let cli = try CLI()
        let first = try cli.store("vehicles", "check-in", "LSVAU2180N2183294")
        #expect(first.status != 0 && first.stderr.contains("first visit"))
        let opened = try cli.store("vehicles", "check-in", "LSVAU2180N2183294", "--phone", "13800138000", "--plate", "粤B12345",
                                   "--service", "MAINT:常规保养:1.5")
        #expect(opened.stdout.contains("已接车 opened WO"), "\(opened.stdout)\(opened.stderr)")
        #expect(opened.stdout.contains("上汽大众 SAIC Volkswagen\t2022"))
        let ticket = String(opened.stdout.split(separator: " ")[2].split(separator: "\t")[0])
        for state in ["diagnosing", "repairing", "quality-check", "ready", "delivered"] {
            #expect(try cli.store("jobs", "move", ticket, state).status == 0)
        }
        let back = try cli.store("vehicles", "check-in", "LSVAU2180N2183294")
        #expect(back.stdout.contains("已接车 opened") && back.stdout.contains("维修记录 history\t\(ticket)"), "\(back.stdout)\(back.stderr)")
        #expect(try cli.store("vehicles", "history", "LSVAU2180N2183294").lines.count == 2)
        let decoded = try cli.run(["vehicles", "decode", "1HGCM82634A004352"])
        #expect(decoded.status != 0 && decoded.stderr.contains("should be 1, is 3"))
    }
}
