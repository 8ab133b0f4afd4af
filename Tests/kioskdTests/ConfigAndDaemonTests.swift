import Foundation
import Testing

@Suite("Config checking and the daemon")
struct ConfigAndDaemonTests {
    @Test("config errors name the key and what to do", arguments: [
        ("[device]\nid = \"c1\"\ncolour = \"red\"\n", "unknown key device.colour"),
        ("[counter]\nallow_negative_stock = \"yes\"\n", "counter.allow_negative_stock: expected boolean"),
        ("[[scanners]]\nkind = \"hid\"\n", "missing scanners[0].path"),
        ("[[scanners]]\nkind = \"laser\"\n", "scanners[0].kind: \"laser\" is not one of"),
        ("[[scanners]]\nkind = \"serial\"\npath = \"/dev/ttyS0\"\nbaud = 1234\n", "scanners[0].baud: 1234"),
        ("[log]\nlevel = \"loud\"\n", "log.level"),
        ("[[scanners]]\nkind = \"camera\"\n", "missing scanners[0].path"),
        ("[[scanners]]\nkind = \"camera\"\npath = \"/dev/video0\"\nstandard = \"secam\"\n", "scanners[0].standard: \"secam\" is not one of ntsc, pal"),
        ("[[scanners]]\nkind = \"camera\"\npath = \"/dev/video0\"\nsymbologies = [\"qr\", \"aztec\"]\n", "scanners[0].symbologies: \"aztec\""),
        ("[[scanners]]\nkind = \"camera\"\npath = \"/dev/video0\"\nwidth = 20\n", "scanners[0].width"),
        ("[bay]\nid = \"B1\"\n[gpio]\nchip = \"c\"\nsafe_lamps = \"red\"\n[gpio.lamps]\nred = 0\n", "gpio.safe_lamps: expected array of strings"),
        ("[device\nid=1", "TOML syntax error"),
        ("[bay]\nid = \"B1\"\n[gpio]\nchip = \"gpiochip0\"\n", "missing gpio.lamps"),
        ("[gpio]\nchip = \"gpiochip0\"\n[gpio.lamps]\nred = 0\n[gpio.buttons]\nadvance = 4\n", "missing bay.id"),
        ("[counter]\nexpired_at_receipt = \"maybe\"\n", "counter.expired_at_receipt"),
        ("[counter]\nmax_quantity_per_scan = 0\n", "counter.max_quantity_per_scan"),
        ("[bay]\nid = \"B1\"\n[gpio]\nchip = \"c\"\n[gpio.lamps]\nred = -1\n", "gpio.lamps.red: line offset -1"),
        ("[bay]\nid = \"B1\"\n[gpio]\nchip = \"c\"\n[gpio.lamps]\nred = 0\n[gpio.patterns.repairing]\ngreen = \"disco\"\n", "gpio.patterns.repairing.green"),
        ("[bay]\nid = \"B1\"\n[gpio]\nchip = \"c\"\n[gpio.lamps]\npurple = 0\n", "unknown key gpio.lamps.purple"),
        ("[web]\nlisten = \"8080\"\n", "web.listen"),
        ("[backup]\nat = \"25:00\"\n", "backup.at: \"25:00\" is not a time of day"),
        ("[backup]\nfull_weekday = \"someday\"\n", "backup.full_weekday: \"someday\" is not one of sunday"),
        ("[[printers]]\nname = \"p\"\nlanguage = \"zpl\"\n", "printers[0]: give exactly one of address"),
        ("[[printers]]\nname = \"p\"\nlanguage = \"epl\"\naddress = \"h\"\n", "printers[0].language: \"epl\" is not one of zpl"),
        ("[[printers]]\nname = \"p\"\nlanguage = \"zpl\"\naddress = \"h:99999\"\n", "printers[0].address"),
        ("[labels]\nlabel_printer = \"nope\"\n", "labels.label_printer: no [[printers]] is named \"nope\""),
        ("[labels]\nprint_ticket_on_check_in = true\n", "missing labels.ticket_printer"),
        ("[labels]\ntrack_url = \"shop.cn/track\"\n", "labels.track_url"),
        ("[labels]\nstore_phone = \"０７５５-８８８８\"\n", "labels.store_phone"),
        ("[labels]\nstore_phone = \"call us\"\n", "labels.store_phone"),
        ("[security]\npersonal_data_key = \"key.bin\"\n", "security.personal_data_key: \"key.bin\" must be an absolute path"),
        ("[hub]\nledger = \"postgres://k@db/k\"\n", "only a hub has a ledger"),
        ("[device]\nrole = \"hub\"\n[hub]\nledger = \"mysql://k@db/k\"\n", "hub.ledger: \"mysql://k@db/k\" is not a postgres:// URL"),
        ("[device]\nrole = \"hub\"\n[hub]\nstore_id = \"s\"\n", "missing hub.ledger"),
        ("[web]\ntls_certificate = \"/etc/kioskd/hub.pem\"\n", "missing web.tls_key"),
    ])
    func configErrors(toml: String, message: String) throws {
        let cli = try CLI()
        let result = try cli.run(["check-config", "--config", cli.write("k.toml", toml)])
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("a missing scanner device is reported by its key, with exit status 6")
    func missingDevice() throws {
        let cli = try CLI()
        let toml = "[[scanners]]\nkind = \"serial\"\npath = \"/dev/ttyACM-not-here\"\n"
        let result = try cli.run(["check-config", "--config", cli.write("k.toml", toml)])
        #expect(result.status == 6)
        #expect(result.stdout.contains("scanners[0].path: /dev/ttyACM-not-here 不存在 does not exist"))
    }

    @Test("the shipped example config parses")
    func exampleConfig() throws {
        let cli = try CLI()
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/kioskd.example.toml").path
        let result = try cli.run(["check-config", "--config", example])
        // The example names a HID and a serial scanner: 6 says a device is not plugged in here.
        let devices = ["/dev/input/by-id/usb-Scanner_Barcode_Scanner-event-kbd", "/dev/ttyACM0"]
        let missing = devices.filter { access($0, F_OK) != 0 }
        #expect(result.status == (missing.isEmpty ? 0 : 6), "\(result.stderr)")
        for device in missing { #expect(result.stdout.contains("\(device) 不存在 does not exist"), "\(result.stdout)") }
        #expect(result.stdout.contains("device.id = counter-1"))
    }

    @Test("the daemon on the embedded default takes scans from stdin and a FIFO, and stops on SIGTERM")
    func daemon() async throws {
        let cli = try CLI()
        _ = try cli.store("parts", "import", cli.write("parts.csv", "part_number,name_zh,name_en,bin\nP1,刹车片,Brake pad,A-01\n"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "--data-dir", cli.dataDir, "--listen", "127.0.0.1:0"]
        process.currentDirectoryURL = cli.directory
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(Data("KD:CMD:RECEIVE\nP1\n".utf8))
        let fifo = cli.dataDir + "/scan.fifo"
        // Generous: in the full suite, dozens of tests share two cores with this daemon.
        let deadline = ContinuousClock.now + .seconds(60)
        /// Waits (bounded by `deadline`) until `condition` holds, failing with `what` if it never does.
        func waitFor(_ what: String, _ condition: () throws -> Bool) async throws {
            while !(try condition()) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("waited 60 s for \(what)")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        func onHand(_ quantity: Int) throws -> Bool { try cli.store("stock", "--part", "P1").stdout.contains("P1\tA-01\t\(quantity)") }
        func scanThroughFIFO(_ text: String) throws {
            let fd = open(fifo, O_WRONLY)
            try #require(fd >= 0, "the FIFO opens for writing")
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        try await waitFor("the daemon's FIFO at \(fifo)") { access(fifo, F_OK) == 0 }
        // The two sources are merged as their scans arrive: let stdin's receipt land first, so
        // that the FIFO's quantity scan meets the receive mode (on a loaded machine the FIFO
        // could otherwise be read first).
        try await waitFor("stdin's receipt of 1 P1") { try onHand(1) }
        try scanThroughFIFO("KD:CMD:QTY:4\nP1\n")
        try await waitFor("1 from stdin + 4 from the FIFO on hand") { try onHand(5) }
        // Stdin at EOF must not stop the daemon: it still books what the FIFO brings.
        try input.fileHandleForWriting.close()
        try scanThroughFIFO("P1\n")
        try await waitFor("a receipt through the FIFO after stdin closed") { try onHand(6) }
        #expect(process.isRunning)
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("kioskd stopped"))
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("OK ✓ 入库 P1 刹车片 ×4"))
    }
}

@Suite("Config files mangled at random")
struct ConfigFuzzTests {
    @Test("check-config never crashes on a mangled config: each of 150 mutations is accepted or refused with a message")
    func mangled() throws {
        let cli = try CLI()
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/kioskd.example.toml")
        let original = Array(try Data(contentsOf: example))
        var generator = SeededGenerator(seed: 20261125)
        let alphabet = Array("[]=\"'#.,{}\n \t0123456789-+abcxyzé中".utf8)
        for round in 0..<150 {
            var bytes = original
            for _ in 0..<(1 + Int(generator.next() % 6)) {
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 4 {
                case 0: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                default: bytes = Array(bytes.prefix(at))
                }
                if bytes.isEmpty { bytes = [0x0A] }
            }
            let path = cli.write("mangled-\(round).toml", String(decoding: bytes, as: UTF8.self))
            let result = try cli.run(["check-config", "--config", path])
            #expect([0, 1, 6].contains(result.status), "round \(round): exit \(result.status)\n\(result.stderr)")
            if result.status == 1 { #expect(!result.stderr.isEmpty, "round \(round): refused without a message") }
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing round can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
