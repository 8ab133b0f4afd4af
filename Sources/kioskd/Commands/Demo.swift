import ArgumentParser
import Foundation
import GRDB
import KioskCore

/// `kioskd demo`: a small, believable 4S store in a store of its own, to see kioskd work
/// before configuring anything. It never opens a store that is not a demo store.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the daemon on a demo store (演示门店): parts, bins, three bays with jobs, staff with PINs, a yard.",
        discussion: """
            The demo store lives in its own folder (default ./kioskd-demo, or demo/ in the systemd \
            state directory) with its own config: no config file, hub, printer or real store is used. \
            The first run fills it; later runs open it again. It prints the pages to open, the badges \
            and PINs to sign in with, and the codes to type for a receipt, an issue, an alert and a \
            job move. `kioskd run --demo` does the same.
            """)

    @Option(name: .long, help: "The demo store's folder (default: ./kioskd-demo).")
    var dataDir: String?

    @Option(name: .long, help: "The web server's HOST:PORT (default 127.0.0.1:8080; 0.0.0.0:8080 lets phones on the network follow a job).")
    var listen = "127.0.0.1:8080"

    @Flag(name: .long, help: "Fill the demo store and print the tour, but do not start the daemon.")
    var noRun = false

    func validate() throws {
        guard KioskConfig.hostAndPort(listen) != nil else {
            throw ValidationError("--listen \(listen): give HOST:PORT, such as 127.0.0.1:8080 or 0.0.0.0:8080")
        }
    }

    func run() async throws {
        let directory = URL(fileURLWithPath: dataDir ?? DemoStore.defaultDirectory()).standardizedFileURL.path
        let tour = try DemoStore.open(at: directory, listen: listen)
        print(tour.text)
        guard !noRun else { return }
        let daemon = try Run.parse(["--config", tour.configFile, "--demo-store"])
        try await daemon.run()
    }
}

/// Fills and reopens the demo store.
enum DemoStore {
    /// The mark that says a store is a demo store; a store without it is never filled.
    static let mark = "demo_store"

    static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first {
            return (String(state) as NSString).appendingPathComponent("demo")
        }
        return FileManager.default.currentDirectoryPath + "/kioskd-demo"
    }

    struct Tour {
        var text: String
        var configFile: String
    }

    /// Opens the demo store in `directory`: fills it on first use, refuses a store that is
    /// not a demo store, and writes the demo's own config beside it.
    static func open(at directory: String, listen: String) throws -> Tour {
        let path = (directory as NSString).appendingPathComponent("kioskd.sqlite")
        let isNew = !FileManager.default.fileExists(atPath: path)
        if !isNew {
            let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
            let marked = try queue.read { db in
                try db.tableExists("kiosk_meta") ? try String.fetchOne(db, sql: "SELECT value FROM kiosk_meta WHERE name = ?", arguments: [mark]) : nil
            }
            try queue.close()
            guard marked != nil else {
                throw Refused("\(path) 不是演示门店 is not a demo store: kioskd demo never touches a real store. Choose an empty folder with --data-dir.")
            }
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configFile = (directory as NSString).appendingPathComponent("kioskd-demo.toml")
        let config = """
            # The demo store's own config, written by `kioskd demo`: nothing here reaches a real store or hub.
            [device]
            id = "demo"
            data_dir = "\(tomlEscaped(directory))"
            [web]
            listen = "\(tomlEscaped(listen))"
            [labels]
            store_name = "演示 4S 店 Demo Motors"
            store_phone = "0755-8888 6666"
            [backup]
            enabled = false
            [[scanners]]
            kind = "stdin"
            [[scanners]]
            kind = "fifo"
            """
        try Data((config + "\n").utf8).write(to: URL(fileURLWithPath: configFile), options: .atomic)
        let database = try KioskDatabase.open(at: path, key: .file(KioskDatabase.defaultKeyPath(forStore: path), create: true))
        if isNew {
            // The mark first: a fill cut short (Ctrl-C) leaves a demo store, never an unmarked one.
            try database.pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO kiosk_meta (name, value) VALUES (?, ?)", arguments: [mark, ISO8601DateFormatter().string(from: Date())])
            }
            try fill(database)
        }
        guard let tourText = try database.pool.read({ db in try String.fetchOne(db, sql: "SELECT value FROM kiosk_meta WHERE name = 'demo_tour'") }) else {
            throw Refused("演示门店未填完 the demo store in \(directory) was not filled completely (stopped part-way): delete the folder and run `kioskd demo` again")
        }
        let url = "http://\(listen.hasPrefix("0.0.0.0:") ? "127.0.0.1:" + listen.dropFirst(8) : listen)"
        let text = tourText
            .replacingOccurrences(of: "{url}", with: url)
            .replacingOccurrences(of: "{config}", with: configFile)
            .replacingOccurrences(of: "{dir}", with: directory)
        return Tour(text: text, configFile: configFile)
    }

    // MARK: The store

    struct DemoPart {
        var number: String, nameZh: String, nameEn: String, unit: String, gtinBody: String, bin: String
        var safety: Int, reorder: Int, onHand: Int
        var barcode: String { gtinBody + String(GS1CheckDigit.compute(for: gtinBody)) }
    }

    static let parts: [DemoPart] = [
        DemoPart(number: "15400-RTA-003", nameZh: "机油滤清器", nameEn: "Oil filter", unit: "个", gtinBody: "690123456789", bin: "A-01", safety: 5, reorder: 8, onHand: 12),
        DemoPart(number: "08798-9036", nameZh: "机油 0W-20 4L", nameEn: "Engine oil 0W-20 4L", unit: "瓶", gtinBody: "400638133393", bin: "A-02", safety: 4, reorder: 6, onHand: 20),
        DemoPart(number: "12290-R1A-H01", nameZh: "火花塞", nameEn: "Spark plug", unit: "个", gtinBody: "690123456801", bin: "A-03", safety: 8, reorder: 12, onHand: 24),
        DemoPart(number: "45022-TBA-A00", nameZh: "前刹车片", nameEn: "Front brake pads", unit: "套", gtinBody: "690123456802", bin: "B-01", safety: 2, reorder: 3, onHand: 4),
        DemoPart(number: "43022-TBA-A00", nameZh: "后刹车片", nameEn: "Rear brake pads", unit: "套", gtinBody: "690123456803", bin: "B-01", safety: 2, reorder: 3, onHand: 6),
        DemoPart(number: "80292-TBA-A11", nameZh: "空调滤芯", nameEn: "Cabin air filter", unit: "个", gtinBody: "690123456804", bin: "B-02", safety: 4, reorder: 6, onHand: 9),
        DemoPart(number: "17220-5PA-A00", nameZh: "空气滤芯", nameEn: "Engine air filter", unit: "个", gtinBody: "690123456805", bin: "B-03", safety: 4, reorder: 6, onHand: 7),
        DemoPart(number: "31500-TBA-H00", nameZh: "蓄电池 12V", nameEn: "Battery 12V", unit: "个", gtinBody: "690123456806", bin: "C-01", safety: 1, reorder: 2, onHand: 3),
        DemoPart(number: "76622-TBA-A01", nameZh: "雨刮片", nameEn: "Wiper blade", unit: "片", gtinBody: "690123456807", bin: "C-02", safety: 6, reorder: 8, onHand: 5),
        DemoPart(number: "08CLA-G01-4L", nameZh: "防冻液 4L", nameEn: "Coolant 4L", unit: "桶", gtinBody: "690123456808", bin: "C-03", safety: 2, reorder: 3, onHand: 6),
    ]

    struct Person { var badge: String, name: String, role: StaffRole }
    static let staff: [Person] = [
        Person(badge: "T01", name: "王师傅", role: .technician),
        Person(badge: "T02", name: "李师傅", role: .technician),
        Person(badge: "T03", name: "赵师傅", role: .technician),
        Person(badge: "C01", name: "张敏", role: .clerk),
        Person(badge: "A01", name: "陈顾问", role: .serviceAdvisor),
        Person(badge: "M01", name: "刘经理", role: .manager),
    ]

    /// A VIN with its check digit (position 9) right, from 16 other characters.
    static func vin(_ sixteen: String) -> String {
        var chars = Array(sixteen)
        chars.insert("0", at: 8)
        chars[8] = VIN.checkDigit(of: String(chars))
        return String(chars)
    }

    static func fill(_ database: KioskDatabase) throws {
        let now = Date()
        let actor = "demo"
        // Parts, bins, safety stock, and what is on the shelves.
        let rows = parts.map { p in
            ["part_number": p.number, "name_zh": p.nameZh, "name_en": p.nameEn, "unit": p.unit, "barcodes": p.barcode, "bin": p.bin,
             "safety_stock": String(p.safety), "reorder_point": String(p.reorder)]
        }
        let catalogue = try PartsImport(header: ["part_number", "name_zh", "name_en", "unit", "barcodes", "bin", "safety_stock", "reorder_point"], records: rows)
        try database.catalog.importParts(catalogue)
        for p in parts {
            _ = try database.stock.record(MovementDraft(kind: .receive, partNumber: p.number, quantity: p.onHand, toBin: p.bin,
                                                        reason: "演示期初 demo opening stock", deviceID: "demo", actor: actor,
                                                        recordedAt: now.addingTimeInterval(-86_400)))
        }
        // Staff with PINs, printed in the tour (a demo store only).
        var pins: [String: String] = [:]
        for person in staff {
            try database.workshop.save(Technician(badge: person.badge, name: person.name))
            if person.role != .technician { try database.access.setRole(badge: person.badge, to: person.role, actor: actor) }
            let pin = String(format: "%04d", Int.random(in: 1000...9999))
            try database.workshop.setPIN(badge: person.badge, pin: pin, actor: actor)
            pins[person.badge] = pin
        }
        // Jobs at the three bays, and two more at the desk, opened over the morning.
        func open(_ plate: String, _ vinBody: String, _ phone: String, _ services: [ServiceItem], bay: String?, minutesAgo: Double) throws -> WorkOrder {
            try database.workshop.open(WorkOrderDraft(plate: plate, vin: vin(vinBody), customerPhone: phone, services: services,
                                                      promisedAt: now.addingTimeInterval(3 * 3600), bay: bay),
                                       actor: "A01", at: now.addingTimeInterval(-minutesAgo * 60))
        }
        func move(_ order: WorkOrder, through states: [JobState], by technician: String, startingMinutesAgo: Double, parts: [RequestedPart] = []) throws {
            for (index, state) in states.enumerated() {
                let at = now.addingTimeInterval(-(startingMinutesAgo - Double(index) * 20) * 60)
                try database.workshop.transition(order.ticketCode, to: state, actor: technician, bay: order.bay,
                                                 parts: state == .waitingParts ? parts : [], at: at)
            }
        }
        let service = ServiceItem(code: "S-OIL", name: "常规保养 机油机滤", standardHours: 1.0)
        let brakes = ServiceItem(code: "S-BRK", name: "更换前刹车片", standardHours: 1.5)
        let check = ServiceItem(code: "S-CHK", name: "全车检查", standardHours: 0.5)
        let aircon = ServiceItem(code: "S-AC", name: "空调滤芯更换", standardHours: 0.3)
        let bay1 = try open("粤B·D2345", "LHGCV1650N800001", "13800138001", [service, check], bay: "BAY-1", minutesAgo: 150)
        try move(bay1, through: [.diagnosing, .repairing], by: "T01", startingMinutesAgo: 140)
        let bay2 = try open("粤B·7K821", "LHGCR2670P800002", "13800138002", [brakes], bay: "BAY-2", minutesAgo: 120)
        try move(bay2, through: [.diagnosing, .waitingParts], by: "T02", startingMinutesAgo: 110,
                 parts: [RequestedPart(partNumber: "45022-TBA-A00", quantity: 1)])
        let bay3 = try open("粤A·3M6Q9", "LVHRW1850N800003", "13800138003", [service, aircon], bay: "BAY-3", minutesAgo: 180)
        try move(bay3, through: [.diagnosing, .repairing, .qualityCheck], by: "T03", startingMinutesAgo: 170)
        let ready = try open("粤B·H5520", "LHGCV1660N800004", "13800138004", [check], bay: nil, minutesAgo: 240)
        try move(ready, through: [.diagnosing, .repairing, .qualityCheck, .ready], by: "T01", startingMinutesAgo: 230)
        let waiting = try open("粤B·Q0917", "LVHRW1860P800005", "13800138005", [service], bay: nil, minutesAgo: 10)
        // Who worked on what (the manager's page: efficiency is standard ÷ clocked repairing hours).
        for (badge, order, on, off) in [("T01", ready, 215.0, 185.0), ("T03", bay3, 160.0, 130.0), ("T02", bay2, 105.0, 90.0), ("T01", bay1, 125.0, 20.0)] {
            _ = try database.workshop.clockOn(badge: badge, ticket: order.ticketCode, bay: order.bay, at: now.addingTimeInterval(-on * 60))
            try database.workshop.clockOff(badge: badge, at: now.addingTimeInterval(-off * 60))
        }
        // An appointment for this afternoon: the lobby scans its code to check the customer in.
        let appointment = "AP-DEMO-01"
        try database.workshop.save(Appointment(code: appointment, plate: "粤B·X8808", vin: vin("LHGCV1670R800006"), customerPhone: "13800138006",
                                               services: [service], promisedAt: now.addingTimeInterval(5 * 3600)))
        // The new-car yard: two models, one below its safety stock.
        for bin in ["Y-A01", "Y-A02", "Y-B01"] { try database.catalog.save(Bin(code: bin, label: "车场 yard")) }
        let cars: [(String, String, String, String)] = [
            ("LHGCV1680R800101", "雅阁 Accord", "白 white", "Y-A01"), ("LHGCV1690R800102", "雅阁 Accord", "黑 black", "Y-A01"),
            ("LHGRU5830R800103", "CR-V", "白 white", "Y-A02"), ("LHGRU5840R800104", "CR-V", "灰 grey", "Y-B01"),
        ]
        for (body, model, colour, bin) in cars {
            _ = try database.yard.record(VehicleStep(vin: try VIN.parse(vin(body)), action: .receive(model: model, colour: colour, bin: bin),
                                                     deviceID: "demo", actor: "demo", at: now.addingTimeInterval(-2 * 86_400)))
        }
        _ = try database.yard.setSafetyStock(ModelSafetyStock(model: "雅阁 Accord", safetyStock: 3), at: now)
        _ = try database.yard.setSafetyStock(ModelSafetyStock(model: "CR-V", safetyStock: 2), at: now)

        let pads = parts.first { $0.number == "45022-TBA-A00" }!
        let oil = parts.first { $0.number == "15400-RTA-003" }!
        let token = bay1.publicToken
        let people = staff.map { "    \($0.badge)  \($0.name)  \($0.role.nameZh) \($0.role.rawValue)  PIN \(pins[$0.badge]!)" }.joined(separator: "\n")
        let tour = """
            演示门店 kioskd demo store in {dir} (its own store and config; never your real store)

            打开 Open in a browser:
              柜台 counter      {url}/counter
              工位 bays         {url}/bay/BAY-1   {url}/bay/BAY-2   {url}/bay/BAY-3
              大厅 lobby        {url}/lobby
              经理 manager      {url}/manager   (sign in as M01)
              手机 phone page   {url}/track/\(token)   (粤B·D2345 at BAY-1; with --listen 0.0.0.0:8080 a phone on the network opens it at the board's address)

            登录 Sign in with a badge and PIN (demo PINs):
            \(people)

            扫码 Type these codes on the counter page, or here on standard input (one per line):
              入库 a receipt:   KD:CMD:RECEIVE  KD:BIN:A-01  KD:CMD:QTY:10  \(oil.barcode)   (oil filters into A-01)
              出库 an issue:    KD:CMD:ISSUE  KD:WO:\(bay2.ticketCode)  \(pads.barcode)   (front brake pads to BAY-2's job: its parts request is met)
              报警 an alert:    KD:CMD:ISSUE  KD:WO:\(bay1.ticketCode)  KD:CMD:QTY:2  \(pads.barcode)   (2 more pads: below safety stock)
              撤销 undo:        KD:CMD:UNDO
            工单 Move a job (another terminal):
              kioskd jobs next \(bay3.ticketCode) --config {config}   (BAY-3: quality check → ready)
              kioskd jobs show \(waiting.ticketCode) --config {config}
            预约 The lobby checks in appointment \(appointment):  kioskd appointments check-in \(appointment) --config {config}
            车场 The yard:  kioskd yard stock --config {config}   (雅阁 Accord is below its safety stock of 3)
            Ready for delivery: \(ready.ticketCode) (粤B·H5520).  Stop with Ctrl-C; run `kioskd demo` again to come back to this store.
            """
        try database.pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO kiosk_meta (name, value) VALUES ('demo_tour', ?)", arguments: [tour])
        }
    }
}

/// A TOML basic string's content: backslashes and quotes escaped.
func tomlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}

/// Whether the store at `path` is a demo store (`kioskd demo` marked it).
func isDemoStore(_ database: KioskDatabase) throws -> Bool {
    try database.pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM kiosk_meta WHERE name = ?", arguments: [DemoStore.mark]) } != nil
}
