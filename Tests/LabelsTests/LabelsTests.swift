import Foundation
import Dispatch
import KioskCore
import Synchronization
import Testing
@testable import Labels
@testable import Scanner

/// Where the tests leave the previews for people to look at.
let previews = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent(".build-labels/previews")

/// What zbar reads from a printed bitmap, as the scanner stack hands it on.
func scanned(_ bitmap: LabelBitmap) -> [String] {
    ZBarDecoder().decode(GrayImage(width: bitmap.width, height: bitmap.height, pixels: bitmap.pixels)).map(\.scanText)
}

func save(_ data: Data, _ name: String) throws {
    try FileManager.default.createDirectory(at: previews, withIntermediateDirectories: true)
    try data.write(to: previews.appendingPathComponent(name))
}

/// A store with bins, parts, a technician and a work order.
final class LabelStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-labels-\(UUID().uuidString)")
    let database: KioskDatabase
    let order: WorkOrder
    let request: PartsRequest

    init() throws {
        database = try KioskDatabase.open(at: directory.appendingPathComponent("kioskd.sqlite").path)
        for code in ["A-01", "A-02", "A-03", "B-01"] { try database.catalog.save(Bin(code: code, label: code == "A-01" ? "滤清器货架" : "")) }
        try database.catalog.save(Part(partNumber: "15400-RTA-003", nameZh: "机油滤清器", nameEn: "Oil filter", defaultBin: "A-01"), barcodes: ["6901234567892"])
        try database.catalog.save(Part(partNumber: "08798-9036", nameZh: "机油 0W-20", nameEn: "Engine oil 0W-20"), barcodes: [])
        try database.workshop.save(Technician(badge: "T007", name: "王师傅"))
        order = try database.workshop.open(WorkOrderDraft(ticketCode: "WO20261201-001", plate: "粤B12345", vin: "LSVAU2180N2183294",
                                                          customerPhone: "13800138000", promisedAt: Date(timeIntervalSince1970: 1_796_000_000)), actor: "desk")
        request = try database.workshop.requestParts(order.ticketCode, bay: "BAY-1", parts: [RequestedPart(partNumber: "15400-RTA-003", quantity: 1),
                                                                                             RequestedPart(partNumber: "08798-9036", quantity: 4)])
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func spooler(_ printers: [PrinterConfig] = []) -> PrintSpooler {
        PrintSpooler(database: database, printers: printers, settings: LabelSettings(storeName: "广州某某 4S 店", trackURL: "https://shop.example.cn/track/"))
    }
}

@Suite("Labels and tickets: what is printed scans")
struct LabelsTests {
    @Test("every kind of label, rendered at 203 dpi, scans back to the code it carries; the scan classifier reads it as meant")
    func everyLabelScans() throws {
        let store = try LabelStore()
        let spooler = store.spooler()
        let text = try TextRenderer()
        let jobs: [(PrintJob.Kind, [String])] = [(.bins, ["A-01", "B-01"]), (.parts, ["15400-RTA-003|LOT2026A", "08798-9036"]),
                                                 (.commands, []), (.badges, ["T007"]), (.ticket, ["WO20261201-001"]),
                                                 (.partsArrival, [store.request.id.uuidString])]
        for (kind, subjects) in jobs {
            let labels = try spooler.labels(for: PrintJob(printer: "p", kind: kind, subjects: subjects, requestedBy: "test"))
            #expect(!labels.isEmpty)
            for (index, label) in labels.enumerated() {
                let bitmap = try label.render(dpi: 203, text: text)
                let read = scanned(bitmap)
                switch label.code {
                case .gs1_128:
                    // GS1-128 comes back with its ]C1 marker and parses to the same GTIN and lot.
                    let elements = try #require(read.first.flatMap { try? GS1ElementString.parse($0) })
                    #expect(elements.gtin == "06901234567892" && elements.batch == "LOT2026A", "\(read)")
                    // A scanner with AIM identifiers off (many ship so) sends the bare digits:
                    // the counter still reads the part label as GS1.
                    let bare = String(try #require(read.first).dropFirst(3))
                    guard case .gs1(let again) = ScanClassifier.classify(bare) else { Issue.record("\(bare) not read as GS1"); break }
                    #expect(again.gtin == "06901234567892" && again.batch == "LOT2026A" && again.reading == .unprefixed)
                default:
                    #expect(read == [label.code.content], "\(kind) label \(index): \(read)")
                }
                if index == 0 || index == labels.count - 1 { try save(try bitmap.png(), "\(kind.rawValue)-\(index).png") }
            }
        }
        // What the counter makes of the codes.
        #expect(ScanClassifier.classify(Labels.bin(Bin(code: "A-01")).code.content) == .bin("A-01"))
        #expect(ScanClassifier.classify(Labels.commands()[1].code.content) == .command(.mode(.receive)))
        #expect(ScanClassifier.classify("KD:TECH:T007") == .badge("T007"))
        // The parts-arrival slip: the counter reads its code as the job, to issue the parts to.
        let slip = try spooler.labels(for: PrintJob(printer: "p", kind: .partsArrival, subjects: [store.request.id.uuidString], requestedBy: "test"))[0]
        #expect(ScanClassifier.classify(slip.code.content) == .workOrder("WO20261201-001"))
        #expect(slip.lines.contains("送往 BAY-1 · Take to BAY-1") && slip.lines.contains("08798-9036 机油 0W-20 ×4"), "\(slip.lines)")
    }

    @Test("a carton's label for a sister store scans back to its SSCC (GS1-128, AI 00), which the counter reads as the carton")
    func cartonLabel() throws {
        let store = try LabelStore()
        let sscc = try SSCC.make(companyPrefix: "6901234", serial: 42)
        #expect(sscc == "069012340000000429" && SSCC.isValid(sscc))
        #expect(throws: TransferError.self) { try SSCC.make(companyPrefix: "12345", serial: 1) }
        #expect(throws: TransferError.self) { try SSCC.make(companyPrefix: "6901234", serial: 1_000_000_000) }
        try store.database.pool.write { db in
            _ = try StockLedger.record(MovementDraft(kind: .receive, partNumber: "15400-RTA-003", quantity: 10, toBin: "A-01", deviceID: "hub", actor: "t"),
                                       allowNegativeStock: false, in: db)
            _ = try Transfers.ship(sscc: sscc, from: "guangzhou", to: "shenzhen", partNumber: "15400-RTA-003", quantity: 6, bin: nil,
                                   key: UUID(), deviceID: "hub", actor: "C1", at: Date(), in: db)
        }
        let label = try store.spooler().labels(for: PrintJob(printer: "p", kind: .carton, subjects: [sscc], requestedBy: "t"))[0]
        #expect(label.lines[0] == "调拨 → shenzhen · Transfer to shenzhen" && label.lines[2] == "15400-RTA-003 机油滤清器 ×6", "\(label.lines)")
        let bitmap = try label.render(dpi: 203, text: try TextRenderer())
        try save(try bitmap.png(), "carton.png")
        let read = scanned(bitmap)
        #expect(read == ["]C100\(sscc)"], "\(read)")
        guard case .gs1(let elements) = ScanClassifier.classify(try #require(read.first)) else { Issue.record("\(read) not read as GS1"); return }
        #expect(elements.sscc == sscc && elements.gtin == nil)
        #expect(throws: TransferError.self) {
            try store.spooler().labels(for: PrintJob(printer: "p", kind: .carton, subjects: ["069012340000000436"], requestedBy: "t"))
        }
    }

    @Test("a purchase order's sheet, a delivery's summary and a return slip scan back: the order's code opens the delivery, the slip's is the part")
    func purchasingPaper() throws {
        let store = try LabelStore()
        let db = store.database
        _ = try db.purchasing.create(number: "PO-20261204-1", supplier: "广汽配件", expectedOn: "2026-12-05",
                                     lines: [OrderLine(partNumber: "15400-RTA-003", ordered: 10), OrderLine(partNumber: "08798-9036", ordered: 4)], actor: "PM")
        let counter = Counter(database: db, deviceID: "c")
        for text in ["KD:CMD:RECEIVE", "KD:PO:PO-20261204-1", "KD:CMD:QTY:9", "6901234567892", "KD:CMD:DAMAGED", "6901234567892", "KD:CMD:CLOSE"] {
            #expect(try counter.handle(ScanEvent(source: "t", text: text)).accepted, "\(text)")
        }
        let delivery = try #require(try db.purchasing.deliveries(of: "PO-20261204-1").first)
        let returned = try db.purchasing.returnToSupplier(partNumber: "15400-RTA-003", quantity: 1, bin: nil, supplier: "广汽配件", order: "PO-20261204-1",
                                                          reason: "破损", deviceID: "c", actor: "C1")
        let text = try TextRenderer()
        for (kind, subject, expected) in [(PrintJob.Kind.purchaseOrder, "PO-20261204-1", ClassifiedScan.purchaseOrder("PO-20261204-1")),
                                          (.delivery, delivery.id.uuidString, .purchaseOrder("PO-20261204-1")),
                                          (.supplierReturn, returned.movementKey.uuidString, .code("15400-RTA-003"))] {
            let label = try store.spooler().labels(for: PrintJob(printer: "p", kind: kind, subjects: [subject], requestedBy: "t"))[0]
            let bitmap = try label.render(dpi: 203, text: text)
            try save(try bitmap.png(), "\(kind.rawValue).png")
            let read = scanned(bitmap)
            #expect(read.count == 1 && ScanClassifier.classify(read[0]) == expected, "\(kind): \(read)")
            if kind == .delivery { #expect(label.lines.contains("15400-RTA-003 订10 收9 缺1 损1"), "\(label.lines)") }
        }
    }

    @Test("the job ticket's QR code opens the phone page; the ticket shows the masked plate, never the phone or VIN")
    func ticket() throws {
        let store = try LabelStore()
        let label = try store.spooler().labels(for: PrintJob(printer: "p", kind: .ticket, subjects: ["WO20261201-001"], requestedBy: "t"))[0]
        #expect(label.code == .qr("https://shop.example.cn/track/\(store.order.publicToken)"))
        #expect(label.lines.contains("车牌 粤B·***45") && label.lines.contains("工单 WO20261201-001"))
        let everything = (label.lines + [label.footer ?? "", label.code.content]).joined()
        #expect(!everything.contains("13800138000") && !everything.contains("LSVAU2180N2183294") && !everything.contains("粤B12345"))
    }

    @Test("ZPL carries each label as a ^GFA graphic that decodes back to the same codes")
    func zpl() throws {
        let store = try LabelStore()
        let spooler = store.spooler()
        let labels = try spooler.labels(for: PrintJob(printer: "p", kind: .bins, subjects: ["A-01", "A-02"], requestedBy: "t"))
        let zpl = String(decoding: try spooler.documents(for: labels, format: .zpl, dpi: 203, copies: 2)[0], as: UTF8.self)
        let graphics = zpl.split(separator: "^XZ").filter { $0.contains("^XA") }
        #expect(graphics.count == 2 && zpl.contains("^PW480^LL320") && zpl.contains("^PQ2"))
        let decoded = try graphics.map { label -> [String] in
            let field = try #require(label.range(of: "^GFA,").map { label[$0.upperBound...] })
            let parts = field.split(separator: ",", maxSplits: 3)
            let bytesPerRow = try #require(Int(parts[2]))
            let hex = Array(parts[3].prefix { $0 != "^" }.utf8)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            return scanned(LabelBitmap.unpack(rows: bytes, bytesPerRow: bytesPerRow, width: 480, dpi: 203))
        }
        #expect(decoded == [["KD:BIN:A-01"], ["KD:BIN:A-02"]])
    }

    @Test("ESC/POS carries the ticket as a GS v 0 raster with a cut, and the raster's QR code decodes")
    func escpos() throws {
        let store = try LabelStore()
        let spooler = store.spooler()
        let labels = try spooler.labels(for: PrintJob(printer: "p", kind: .ticket, subjects: ["WO20261201-001"], requestedBy: "t"))
        let bytes = [UInt8](try spooler.documents(for: labels, format: .escpos, dpi: 203)[0])
        #expect(bytes.starts(with: [0x1B, 0x40]) && bytes.suffix(4) == [0x1D, 0x56, 0x42, 0x00])
        let start = try #require((0..<bytes.count - 4).first { bytes[$0..<$0 + 4] == [0x1D, 0x76, 0x30, 0x00] }) + 4
        let bytesPerRow = Int(bytes[start]) | Int(bytes[start + 1]) << 8, rows = Int(bytes[start + 2]) | Int(bytes[start + 3]) << 8
        #expect(bytesPerRow * 8 >= 576 && bytesPerRow * 8 < 584, "72 mm at 203 dpi")
        let raster = Array(bytes[(start + 4)..<(start + 4 + bytesPerRow * rows)])
        #expect(scanned(LabelBitmap.unpack(rows: raster, bytesPerRow: bytesPerRow, width: bytesPerRow * 8, dpi: 203))
                == ["https://shop.example.cn/track/\(store.order.publicToken)"])
    }

    @Test("the command sheet as a PDF of A4 pages: pdftoppm renders it and every command on it scans")
    func pdfCommandSheet() throws {
        let store = try LabelStore()
        let spooler = store.spooler()
        let labels = try spooler.labels(for: PrintJob(printer: "p", kind: .commands, subjects: [], requestedBy: "t"))
        let pdf = try spooler.documents(for: labels, format: .pdf, dpi: 300)[0]
        #expect(pdf.starts(with: Data("%PDF-1.4".utf8)))
        try save(pdf, "commands.pdf")
        let out = previews.appendingPathComponent("commands-page")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftoppm")
        process.arguments = ["-r", "300", "-gray", "-png", previews.appendingPathComponent("commands.pdf").path, out.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let pages = try FileManager.default.contentsOfDirectory(atPath: previews.path).filter { $0.hasPrefix("commands-page") }.sorted()
        #expect(!pages.isEmpty)
        let read = try pages.flatMap { ZBarDecoder().decode(try GrayImage.load(path: previews.appendingPathComponent($0).path)).map(\.text) }
        #expect(Set(read) == Set(labels.map(\.code.content)), "missing: \(Set(labels.map(\.code.content)).subtracting(read))")
        #expect(Set(labels.map(\.code.content)).isSuperset(of: CounterMode.allCases.map { CounterCommand.mode($0).code } + ["KD:CMD:UNDO", "KD:CMD:CANCEL", "KD:CMD:CLOSE", "KD:CMD:CONFIRM"]))
    }
}

@Suite("Printing to a network printer on loopback")
struct PrintingTests {
    @Test("a printer that is off, then out of paper, keeps the job queued with the reason; once ready it prints it once")
    func offlineThenPaperOutThenPrinted() throws {
        let store = try LabelStore()
        let printer = try TestPrinter()
        let config = PrinterConfig(name: "labels", format: .zpl, connection: .tcp(host: "127.0.0.1", port: printer.port))
        let spooler = store.spooler([config])
        let job = try store.database.printQueue.enqueue(PrintJob(printer: "labels", kind: .bins, subjects: try store.database.printQueue.bins(from: "A-01", to: "A-03"), requestedBy: "C1"))
        #expect(job.subjects == ["A-01", "A-02", "A-03"])

        printer.state = .paperOut
        #expect(throws: PrinterError.paperOut(printer: "labels")) { try spooler.attempt(job) }
        #expect(try store.database.printQueue.job(job.id!)?.lastError?.contains("缺纸") == true)
        printer.state = .paused
        var round = try spooler.drain()
        #expect(round.printed == 0 && round.failures["labels"]?.contains("paused") == true)
        #expect(printer.jobs.isEmpty, "nothing printed while it cannot print")

        printer.state = .ready
        round = try spooler.drain()
        #expect(round.printed == 1 && round.failures.isEmpty)
        #expect(try store.database.printQueue.waiting().isEmpty)
        #expect(try store.database.printQueue.job(job.id!).map { $0.attempts == 3 && $0.printedAt != nil && $0.lastError == nil } == true)
        #expect(try spooler.drain().printed == 0, "printed once")
        let received = printer.jobs(count: 1)
        #expect(received.count == 1)
        let zpl = String(decoding: try #require(received.first), as: UTF8.self)
        #expect(zpl.components(separatedBy: "^XA").count - 1 == 3)

        printer.switchOff()
        let second = try store.database.printQueue.enqueue(PrintJob(printer: "labels", kind: .commands, subjects: [], requestedBy: "C1"))
        round = try spooler.drain()
        #expect(round.printed == 0 && round.failures["labels"]?.contains("离线") == true, "\(round.failures)")
        #expect(try store.database.printQueue.waiting().map(\.id) == [second.id])
    }

    @Test("a receipt printer out of paper is told by DLE EOT 4; the ticket waits and prints when paper is in")
    func receiptPaperOut() throws {
        let store = try LabelStore()
        let printer = try TestPrinter()
        let spooler = store.spooler([PrinterConfig(name: "receipt", format: .escpos, connection: .tcp(host: "127.0.0.1", port: printer.port))])
        try store.database.printQueue.enqueue(PrintJob(printer: "receipt", kind: .ticket, subjects: ["WO20261201-001"], requestedBy: "desk"))
        printer.state = .paperOut
        #expect(try spooler.drain().failures["receipt"] == PrinterError.paperOut(printer: "receipt").description)
        printer.state = .ready
        #expect(try spooler.drain().printed == 1)
        let received = printer.jobs(count: 1)
        #expect(received.count == 1 && received.first?.starts(with: Data([0x1B, 0x40])) == true)
    }

    @Test("a USB printer is a device file: the job is written to it; an unplugged one (no device) keeps the job with the reason")
    func usbDevice() async throws {
        let store = try LabelStore()
        let device = store.directory.appendingPathComponent("lp0").path
        let config = PrinterConfig(name: "usb", format: .zpl, connection: .device(device))
        let job = try store.database.printQueue.enqueue(PrintJob(printer: "usb", kind: .bins, subjects: ["B-01"], requestedBy: "t"))
        #expect(try store.spooler([config]).drain().failures["usb"]?.contains("No such file or directory") == true)
        // The printer is plugged in: its character device appears (a FIFO read like the kernel's usblp).
        #expect(mkfifo(device, 0o600) == 0)
        // The reader is a thread of its own, as the kernel is: the spooler's open blocks until a
        // reader opens the FIFO, and a reader waiting for a thread of Swift's concurrency pool
        // (two on this machine, one of them held by that open) could wait for the whole suite.
        let read = Mutex(Data()), done = DispatchSemaphore(value: 0)
        Thread {
            let data = FileHandle(forReadingAtPath: device)?.readDataToEndOfFile() ?? Data()
            read.withLock { $0 = data }
            done.signal()
        }.start()
        #expect(try store.spooler([config]).drain().printed == 1)
        try #require(done.wait(timeout: .now() + 30) == .success, "waited 30 s for the printer's device to read the job to its end")
        let received = String(decoding: read.withLock { $0 }, as: UTF8.self)
        #expect(received.hasPrefix("^XA") && received.hasSuffix("^XZ\n"))
        #expect(try store.database.printQueue.job(job.id!)?.printedAt != nil)
    }

    @Test("through CUPS: a raw queue to the loopback printer gets the ZPL; a queue that does not exist keeps the job with lp's reason")
    func cups() throws {
        let store = try LabelStore()
        let printer = try TestPrinter()
        let queue = "kioskd-test-\(printer.port)"
        func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        // scripts/test starts cupsd; a raw queue sends the bytes as they are (the deprecation warning is expected).
        try #require(try run("/usr/sbin/lpadmin", ["-p", queue, "-E", "-v", "socket://127.0.0.1:\(printer.port)", "-m", "raw"]) == 0, "is cupsd running?")
        defer { _ = try? run("/usr/sbin/lpadmin", ["-x", queue]) }
        let job = try store.database.printQueue.enqueue(PrintJob(printer: "cups", kind: .bins, subjects: ["A-02"], requestedBy: "t"))
        let missing = PrinterConfig(name: "cups", format: .zpl, connection: .cups(queue + "-gone"))
        #expect(try store.spooler([missing]).drain().failures["cups"]?.contains("does not exist") == true)
        #expect(try store.spooler([PrinterConfig(name: "cups", format: .zpl, connection: .cups(queue))]).drain().printed == 1)
        let received = try #require(printer.jobs(count: 1).first)
        #expect(String(decoding: received, as: UTF8.self).hasPrefix("^XA"))
        #expect(try store.database.printQueue.job(job.id!)?.attempts == 2)
    }

    @Test("a job that can never print does not block the job behind it; it is retried after pauses and given up at its 10th attempt, marked failed with its reason (issue 20)")
    func hopelessJobIsGivenUp() throws {
        let store = try LabelStore()
        let printer = try TestPrinter()
        let spooler = store.spooler([PrinterConfig(name: "labels", format: .zpl, connection: .tcp(host: "127.0.0.1", port: printer.port))])
        let queue = store.database.printQueue
        let start = Date()
        // A label for a bin that no longer exists: it can never be made, on any printer.
        let hopeless = try queue.enqueue(PrintJob(printer: "labels", kind: .bins, subjects: ["Z-99"], requestedBy: "t", at: start))
        let behind = try queue.enqueue(PrintJob(printer: "labels", kind: .bins, subjects: ["A-01"], requestedBy: "t", at: start))
        var round = try spooler.drain(at: start)
        #expect(round.printed == 1 && round.failures.isEmpty, "the printer is not blamed for the job: \(round.failures)")
        #expect(round.jobFailures[hopeless.id!]?.contains("Z-99") == true)
        #expect(try queue.job(behind.id!)?.state == .printed)
        #expect(printer.jobs(count: 1).count == 1)

        // It waits its pause before the next try, and is tried again after it.
        let policy = PrintRetryPolicy.standard
        #expect(try spooler.drain(at: start.addingTimeInterval(1)).jobFailures.isEmpty)
        #expect(try queue.job(hopeless.id!)?.attempts == 1)
        var time = start
        for attempt in 2...policy.maxAttempts {
            time = time.addingTimeInterval(policy.pause(afterAttempts: attempt - 1) + 1)
            round = try spooler.drain(at: time)
            let job = try #require(try queue.job(hopeless.id!))
            #expect(job.attempts == attempt)
            #expect(job.state == (attempt < policy.maxAttempts ? .waiting : .failed), "attempt \(attempt)")
        }
        #expect(time.timeIntervalSince(start) < policy.maxAge, "ten attempts come before the hour")
        #expect(round.gaveUp.map(\.id) == [hopeless.id])
        let failed = try #require(try queue.job(hopeless.id!))
        #expect(failed.lastError?.hasPrefix(PrintJob.gaveUpMarker) == true)
        #expect(failed.lastError?.contains("10 attempts") == true && failed.lastError?.contains("Z-99") == true, "\(failed.lastError ?? "")")
        #expect(try queue.waiting().isEmpty)
        try queue.cancel(hopeless.id!)
        #expect(try queue.job(hopeless.id!)?.state == .failed, "a cancel does not hide that it was given up")

        // An old job that fails for its own reason is given up at once (the hour).
        let old = try queue.enqueue(PrintJob(printer: "labels", kind: .ticket, subjects: ["WO-GONE"], requestedBy: "t", at: time))
        let next = try queue.enqueue(PrintJob(printer: "labels", kind: .bins, subjects: ["A-02"], requestedBy: "t", at: time))
        round = try spooler.drain(at: time.addingTimeInterval(policy.maxAge + 1))
        #expect(round.gaveUp.map(\.id) == [old.id] && round.printed == 1)
        #expect(try queue.job(old.id!)?.attempts == 1 && queue.job(next.id!)?.state == .printed)
    }

    @Test("a printer that always fails keeps its jobs, never gives them up, and prints them when it can again")
    func printerFailuresNeverGiveUp() throws {
        let store = try LabelStore()
        let printer = try TestPrinter()
        let spooler = store.spooler([PrinterConfig(name: "labels", format: .zpl, connection: .tcp(host: "127.0.0.1", port: printer.port))])
        let start = Date()
        let jobs = try ["A-01", "A-02"].map { try store.database.printQueue.enqueue(PrintJob(printer: "labels", kind: .bins, subjects: [$0], requestedBy: "t", at: start)) }
        printer.state = .paperOut
        for minute in stride(from: 0, through: 120, by: 5) {
            let round = try spooler.drain(at: start.addingTimeInterval(Double(minute) * 60))
            #expect(round.printed == 0 && round.failures["labels"] != nil && round.gaveUp.isEmpty)
        }
        #expect(try store.database.printQueue.job(jobs[0].id!).map { $0.attempts == 25 && $0.state == .waiting } == true)
        #expect(try store.database.printQueue.job(jobs[1].id!)?.attempts == 0, "the printer is not tried again in the same round")
        printer.state = .ready
        #expect(try spooler.drain(at: start.addingTimeInterval(3 * 3600)).printed == 2)
        #expect(printer.jobs(count: 2).count == 2)
    }

    @Test("with a ticket printer set, every new work order queues its ticket in the same transaction")
    func ticketOnCheckIn() throws {
        let store = try LabelStore()
        #expect(try store.database.printQueue.waiting().isEmpty)
        try store.database.printQueue.setTicketOnCheckIn(printer: "receipt")
        let order = try store.database.workshop.checkIn(vin: VIN.parse("LFV2A21K6A3043255"), phone: "13900000000", plate: "粤A88888", actor: "desk").order
        let waiting = try store.database.printQueue.waiting()
        #expect(waiting.map { "\($0.printer) \($0.kind.rawValue) \($0.subjects)" } == ["receipt ticket [\"\(order.ticketCode)\"]"])
        try store.database.printQueue.setTicketOnCheckIn(printer: nil)
        _ = try store.database.workshop.open(WorkOrderDraft(plate: "粤A77777", vin: "LFV2A21K6A4012345", customerPhone: "1"), actor: "desk")
        #expect(try store.database.printQueue.waiting().count == 1)
    }

    @Test("a job for a printer the config does not name, or bins that do not exist, are refused clearly")
    func refusals() throws {
        let store = try LabelStore()
        #expect(throws: PrintRequestError.nothingToPrint("库位 C-01…C-09 不存在 / no bins from C-01 to C-09")) {
            try store.database.printQueue.bins(from: "C-01", to: "C-09")
        }
        let job = try store.database.printQueue.enqueue(PrintJob(printer: "nope", kind: .commands, subjects: [], requestedBy: "t"))
        #expect(throws: PrinterError.unknownPrinter("nope", known: [])) { try store.spooler().attempt(job) }
    }
}
