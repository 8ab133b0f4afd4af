import Foundation
import Testing

@Suite("Work orders through the kioskd command line")
struct JobsCLITests {
    @Test("open, move through the states, refuse an illegal move, report as CSV")
    func lifecycle() throws {
        let cli = try CLI()
        #expect(try cli.store("technicians", "add", "T1", "王师傅").status == 0)
        let opened = try cli.store("jobs", "open", "--plate", "粤B12345", "--vin", "LSVAU2180N2183294", "--phone", "13800138000",
                                   "--service", "OIL:机油保养:1.5", "--bay", "BAY-1", "--ticket", "WO-1")
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try cli.store("jobs", "next", "WO-1").stdout.contains("diagnosing"))
        let illegal = try cli.store("jobs", "move", "WO-1", "ready")
        #expect(illegal.status != 0 && illegal.stderr.contains("a job cannot go from diagnosing to ready"))
        #expect(try cli.store("jobs", "move", "WO-1", "waiting-parts", "--part", "15400-RTA-003:2").status == 0)
        #expect(try cli.store("jobs", "parts-requests").stdout.contains("WO-1\tBAY-1\t15400-RTA-003×2"))
        #expect(try cli.store("jobs", "clock-on", "T1", "WO-1").status == 0)
        #expect(try cli.store("jobs", "move", "WO-1", "repairing").status == 0)
        let shown = try cli.store("jobs", "show", "WO-1")
        #expect(shown.lines.count == 5, "\(shown.stdout)")
        let csv = try cli.store("jobs", "report", "--csv", "technicians")
        let records = csv.stdout.components(separatedBy: "\r\n")  // RFC 4180 line ends
        #expect(records.first == "badge,repairing_hours,standard_hours,efficiency", "\(csv.stdout)")
        #expect(records.contains { $0.hasPrefix("T1,") })
        let bad = try cli.store("jobs", "open", "--plate", "粤B12345", "--vin", "IOQ", "--phone", "138")
        #expect(bad.status != 0 && bad.stderr.contains("VIN"))
    }
}
