import Foundation
import GRDB
import Testing
@testable import KioskCore

@Suite("VINs: validation, check digit, maker and model year (pure)")
struct VINTests {
    @Test("real VINs with a right check digit are valid, with their maker and model year", arguments: [
        ("1M8GDM9AXKP042788", "Motor Coach Industries (USA)", 1989),
        ("1HGCM82633A004352", "Honda (USA)", 2003),
        ("LFV2A21K6A3043255", "一汽-大众 FAW-Volkswagen", 2010),
    ])
    func valid(text: String, maker: String, year: Int) throws {
        let vin = try VIN.parse(text)
        #expect(vin.text == text)
        #expect(vin.manufacturer == maker)
        #expect(vin.modelYear(reference: Date(timeIntervalSince1970: 1_795_000_000)) == year)
    }

    @Test("a North American VIN with a wrong check digit is refused, saying which digit is expected")
    func wrongCheckDigit() {
        #expect(throws: VINError.checkDigitMismatch("1HGCM82634A004352", expected: "1", found: "3")) { try VIN.parse("1HGCM82634A004352") }
        #expect(VINError.checkDigitMismatch("1HGCM82634A004352", expected: "1", found: "3").description.contains("position 9) should be 1"))
    }

    @Test("Chinese and European VINs need no check digit: a mismatch is reported, not refused")
    func otherRegions() throws {
        let chinese = try VIN.parse("LSVAU2180N2183294")
        #expect(!chinese.checkDigitValid)
        #expect(chinese.manufacturer == "上汽大众 SAIC Volkswagen")
        #expect(chinese.modelYear(reference: Date(timeIntervalSince1970: 1_795_000_000)) == 2022)
        let german = try VIN.parse("WVWZZZ1JZXW000001")
        #expect(german.manufacturer == "Volkswagen" && !german.checkDigitValid)
        #expect(try VIN.parse("LZZ1CLVB0EA000001").manufacturer == "中国制造 made in China", "an unknown WMI names its region")
    }

    @Test("illegal letters, short and long VINs get a precise error", arguments: [
        ("1M8GDM9AXKP0427O8", "\"O\" at position 16"),
        ("1M8GDM9AXKP04278", "has 16 characters, not 17"),
        ("1M8GDM9AXKP0427888", "has 18 characters"),
        ("IM8GDM9AXKP04278Q", "\"I\" at position 1"),
        ("1M8GDM9AXKP04-788", "\"-\" at position 14"),
    ])
    func malformed(text: String, message: String) {
        do {
            _ = try VIN.parse(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("lower case, spaces and the import I in front of a Code 39 label are read as the VIN")
    func normalising() throws {
        #expect(try VIN.parse(" 1m8gdm9axkp042788\n").text == "1M8GDM9AXKP042788")
        #expect(try VIN.parse("I1M8GDM9AXKP042788").text == "1M8GDM9AXKP042788")
    }
}

@Suite("The new-car yard and check-in by VIN")
struct YardTests {
    let vinA = try! VIN.parse("LFV2A21K6A3043255")
    let vinB = try! VIN.parse("LSVAU2180N2183294")
    let vinC = try! VIN.parse("1HGCM82633A004352")

    func yardStore() throws -> TemporaryStore {
        let store = try TemporaryStore()
        for row in ["Y-01", "Y-02", "Y-03"] { try store.database.catalog.save(Bin(code: row, label: "车场 yard")) }
        return store
    }

    func step(_ vin: VIN, _ action: VehicleStep.Action, key: UUID = UUID()) -> VehicleStep {
        VehicleStep(key: key, vin: vin, action: action, deviceID: "yard-1", actor: "sales")
    }

    @Test("a car goes receive → move → reserve → sell → PDI → deliver; each step is one movement")
    func lifecycle() throws {
        let store = try yardStore()
        let yard = store.database.yard
        _ = try yard.record(step(vinA, .receive(model: "Sagitar", colour: "白 white", bin: "Y-01")))
        _ = try yard.record(step(vinA, .move(to: "Y-02")))
        _ = try yard.record(step(vinA, .reserve(salesOrder: "SO-1")))
        _ = try yard.record(step(vinA, .sell(salesOrder: "SO-1")))
        _ = try yard.record(step(vinA, .inspect))
        let delivered = try yard.record(step(vinA, .deliver))
        #expect(delivered.vehicle.status == .delivered && delivered.vehicle.bin == nil)
        #expect(delivered.movement.fromBin == "Y-02")
        #expect(try yard.movements(of: vinA.text).map(\.kind) == [.receive, .move, .reserve, .sell, .inspect, .deliver])
        #expect(try yard.vehicles().isEmpty, "a delivered car is off the yard")
    }

    @Test("steps out of order, unknown bins and cars are refused and change nothing")
    func refusals() throws {
        let store = try yardStore()
        let yard = store.database.yard
        _ = try yard.record(step(vinA, .receive(model: "Sagitar", colour: "白 white", bin: "Y-01")))
        #expect(throws: YardError.notAllowed(vinA.text, kind: .deliver, status: .onYard)) { try yard.record(step(vinA, .deliver)) }
        #expect(throws: YardError.notAllowed(vinA.text, kind: .inspect, status: .onYard)) { try yard.record(step(vinA, .inspect)) }
        #expect(throws: YardError.unknownBin("Z-99")) { try yard.record(step(vinA, .move(to: "Z-99"))) }
        #expect(throws: YardError.sameBin(vinA.text, bin: "Y-01")) { try yard.record(step(vinA, .move(to: "Y-01"))) }
        #expect(throws: YardError.alreadyOnYard(vinA.text, status: .onYard)) {
            try yard.record(step(vinA, .receive(model: "Sagitar", colour: "白 white", bin: "Y-02")))
        }
        #expect(throws: YardError.unknownVehicle(vinB.text)) { try yard.record(step(vinB, .sell(salesOrder: "SO-2"))) }
        #expect(try yard.movements(of: vinA.text).count == 1)
        #expect(try yard.vehicle(vinA.text)?.bin == "Y-01")
    }

    @Test("the same step delivered twice is applied once")
    func idempotent() throws {
        let store = try yardStore()
        let yard = store.database.yard
        let key = UUID()
        _ = try yard.record(step(vinA, .receive(model: "Sagitar", colour: "白 white", bin: "Y-01")))
        let first = try yard.record(step(vinA, .move(to: "Y-02"), key: key))
        let again = try yard.record(step(vinA, .move(to: "Y-03"), key: key))
        #expect(!first.duplicate && again.duplicate)
        #expect(try yard.vehicle(vinA.text)?.bin == "Y-02")
        #expect(try yard.movements(of: vinA.text).count == 2)
    }

    @Test("a popular model below its safety stock raises an alert; a colour can have its own; restocking clears it")
    func safetyStock() throws {
        let store = try yardStore()
        let yard = store.database.yard
        let (raisedAtOnce, _) = try yard.setSafetyStock(ModelSafetyStock(model: "Sagitar", safetyStock: 2))
        #expect(raisedAtOnce.count == 1 && raisedAtOnce[0].available == 0, "an empty yard is below at once")
        _ = try yard.setSafetyStock(ModelSafetyStock(model: "Sagitar", colour: "白 white", safetyStock: 1))
        _ = try yard.record(step(vinA, .receive(model: "Sagitar", colour: "白 white", bin: "Y-01")))
        let second = try yard.record(step(vinB, .receive(model: "Sagitar", colour: "黑 black", bin: "Y-01")))
        #expect(second.cleared.map(\.colour) == [""], "two Sagitars: the model is back at its safety stock")
        #expect(try yard.openAlerts().isEmpty)
        let reserved = try yard.record(step(vinA, .reserve(salesOrder: "SO-1")))
        #expect(Set(reserved.raised.map(\.colour)) == ["", "白 white"], "a reserved car is not free to sell")
        #expect(try yard.openAlerts().count == 2)
        let released = try yard.record(step(vinA, .release))
        #expect(released.cleared.count == 2)
        let stock = try yard.stockByModel()
        #expect(stock.map { "\($0.model) \($0.colour) \($0.available) \($0.safetyStock ?? -1)" } == ["Sagitar 白 white 1 1", "Sagitar 黑 black 1 2"])
    }

    @Test("a yard stocktake lists missing, unexpected and misplaced cars")
    func stocktake() throws {
        let store = try yardStore()
        let yard = store.database.yard
        _ = try yard.record(step(vinA, .receive(model: "Sagitar", colour: "白 white", bin: "Y-01")))
        _ = try yard.record(step(vinB, .receive(model: "Lavida", colour: "黑 black", bin: "Y-02")))
        _ = try yard.openStocktake(actor: "sales")
        #expect(throws: YardError.stocktakeAlreadyOpen) { try yard.openStocktake(actor: "sales") }
        try yard.count(vinA, in: "Y-03")          // misplaced: the books say Y-01
        try yard.count(vinC, in: "Y-02")          // unexpected: not on the books
        let variance = try yard.closeStocktake()  // vinB missing
        #expect(variance.missing.map(\.vin) == [vinB.text])
        #expect(variance.unexpected.map(\.vin) == [vinC.text])
        #expect(variance.misplaced == [.init(vin: vinA.text, expectedBin: "Y-01", foundBin: "Y-03")])
        #expect(variance.report.contains("1 missing, 1 unexpected, 1 misplaced"))
        #expect(throws: YardError.noOpenStocktake) { try yard.closeStocktake() }
    }

    @Test("check-in by VIN: a new vehicle needs phone and plate; a returning one keeps its customer and shows its history; an open one is found")
    func checkIn() throws {
        let store = try yardStore()
        let workshop = store.database.workshop
        #expect(throws: WorkshopError.newVehicle(vinB.text)) { try workshop.checkIn(vin: vinB, actor: "advisor") }
        let first = try workshop.checkIn(vin: vinB, phone: "13800138000", plate: "粤B12345", actor: "advisor")
        #expect(first.opened && first.history.isEmpty)
        let again = try workshop.checkIn(vin: vinB, actor: "advisor")
        #expect(!again.opened && again.order.ticketCode == first.order.ticketCode, "an open job is found, not opened twice")
        for state in [JobState.diagnosing, .repairing, .qualityCheck, .ready, .delivered] {
            _ = try workshop.transition(first.order.ticketCode, to: state, actor: "t")
        }
        let returning = try workshop.checkIn(vin: vinB, actor: "advisor")
        #expect(returning.opened && returning.order.ticketCode != first.order.ticketCode)
        #expect(returning.order.customerPhone == "13800138000" && returning.order.plate == "粤B12345")
        #expect(returning.history.map(\.ticketCode) == [first.order.ticketCode])
    }
}

@Suite("VINs at the counter: check-in, yard move and yard count by scanning")
struct VehicleScanTests {
    func scan(_ counter: Counter, _ texts: String...) throws -> [ScanFeedback] {
        try texts.map { try counter.handle(ScanEvent(source: "test", text: $0)) }
    }

    @Test("scanning a VIN in look-up mode checks the vehicle in; a misread VIN is refused with its reason")
    func deskCheckIn() throws {
        let store = try TemporaryStore()
        let counter = Counter(database: store.database, deviceID: "desk-1")
        let unknown = try scan(counter, "LSVAU2180N2183294")[0]
        #expect(!unknown.accepted && unknown.message.contains("new vehicle"))
        _ = try store.database.workshop.checkIn(vin: try VIN.parse("LSVAU2180N2183294"), phone: "13800138000", plate: "粤B12345", actor: "a")
        let found = try scan(counter, "ILSVAU2180N2183294")[0]
        #expect(found.accepted && found.message.contains("already has open work order"), "\(found.message)")
        #expect(found.session.workOrder != nil, "the work order becomes the counter's, for issuing parts to it")
        let misread = try scan(counter, "1HGCM82634A004352")[0]
        #expect(!misread.accepted && misread.message.contains("check digit"))
        let inReceive = try scan(counter, "KD:CMD:RECEIVE", "LSVAU2180N2183294")[1]
        #expect(!inReceive.accepted && inReceive.message.contains("a VIN is for look-up"))
    }

    @Test("yard move and yard count by scanning bins and VINs; CLOSE lists the variances")
    func yardScans() throws {
        let store = try TemporaryStore()
        for row in ["Y-01", "Y-02"] { try store.database.catalog.save(Bin(code: row)) }
        let vin = try VIN.parse("LFV2A21K6A3043255")
        _ = try store.database.yard.record(VehicleStep(vin: vin, action: .receive(model: "Sagitar", colour: "白", bin: "Y-01"),
                                                       deviceID: "y", actor: "s"))
        let counter = Counter(database: store.database, deviceID: "yard-1")
        let moved = try scan(counter, "KD:CMD:YARD-MOVE", "KD:BIN:Y-02", "LFV2A21K6A3043255")
        #expect(moved.allSatisfy { $0.accepted }, "\(moved.map(\.message))")
        #expect(try store.database.yard.vehicle(vin.text)?.bin == "Y-02")
        let part = try scan(counter, "6901234567892")[0]
        #expect(!part.accepted && part.message.contains("yard modes take VINs"))
        let counted = try scan(counter, "KD:CMD:YARD-COUNT", "KD:BIN:Y-01", "LFV2A21K6A3043255", "KD:CMD:CLOSE")
        #expect(counted.allSatisfy { $0.accepted }, "\(counted.map(\.message))")
        #expect(counted[3].message.contains("1 misplaced") && counted[3].message.contains("Y-02 → Y-01"), "\(counted[3].message)")
    }
}
