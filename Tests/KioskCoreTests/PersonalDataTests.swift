import Foundation
import GRDB
import Testing
@testable import KioskCore

/// Every byte of the store's files (database and WAL), to look for plaintext in them.
func storeBytes(_ path: String) -> Data {
    ["", "-wal"].reduce(into: Data()) { data, suffix in data += FileManager.default.contents(atPath: path + suffix) ?? Data() }
}

@Suite("Customers' personal data sealed at rest")
struct PersonalDataTests {
    let phone = "13800138000", vin = "LSVAU2180N2183294"

    @Test("the store's files hold no phone number or VIN of a customer; the pages' queries still see them")
    func noPlaintextInTheFile() throws {
        let store = try TemporaryStore(seeded: false)
        let order = try store.database.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: vin, customerPhone: phone), actor: "desk")
        try store.database.workshop.save(Appointment(code: "APT-1", plate: "粤A99999", vin: "LFV2A21K6A4012345", customerPhone: "13900000000",
                                                     services: [], promisedAt: nil))
        try store.database.workshop.transition("WO-1", to: .diagnosing, actor: "t")
        // The VIN scanned at the desk finds the order; the scan log keeps it masked.
        let desk = try Counter(database: store.database, deviceID: "desk").handle(ScanEvent(id: UUID(), source: "desk", text: vin))
        #expect(desk.accepted && desk.message.contains("LSV**********3294"))
        #expect(order.vin == vin && order.customerPhone == phone)
        #expect(try store.database.workshop.order("WO-1")?.customerPhone == phone)
        #expect(try store.database.workshop.order("WO-1")?.vin == vin)
        let bytes = storeBytes(store.database.path)
        for secret in [phone, vin, "13900000000", "LFV2A21K6A4012345"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in the file")
        }
        // What another program reading the file sees: blobs and hashes.
        let row = try store.database.pool.read { try Row.fetchOne($0, sql: "SELECT * FROM work_order") }!
        #expect(row.hasColumn("vin") == false && row.hasColumn("customerPhone") == false)
        #expect((row["phoneSealed"] as Data?)?.count ?? 0 > phone.utf8.count)
    }

    @Test("a customer is found by phone number and a vehicle by VIN through the keyed hash, however they are typed")
    func lookUps() throws {
        let store = try TemporaryStore(seeded: false)
        _ = try store.database.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: vin, customerPhone: phone), actor: "desk")
        _ = try store.database.workshop.open(WorkOrderDraft(ticketCode: "WO-2", plate: "粤B55555", vin: "LFV2A21K6A3043255", customerPhone: phone), actor: "desk")
        #expect(try store.database.workshop.orders(phone: "138 0013 8000").map(\.ticketCode).sorted() == ["WO-1", "WO-2"])
        #expect(try store.database.workshop.orders(vin: vin.lowercased()).map(\.ticketCode) == ["WO-1"])
        #expect(try store.database.workshop.orders(phone: "13800138001").isEmpty)
        // Check-in by VIN still finds the open order through the hash.
        let again = try store.database.workshop.checkIn(vin: VIN.parse(vin), actor: "desk")
        #expect(!again.opened && again.order.ticketCode == "WO-1")
    }

    @Test("the key is a 0600 file beside the store; a missing or different key is refused by name and nothing is opened")
    func keyFile() throws {
        let store = try TemporaryStore(seeded: false)
        _ = try store.database.workshop.open(WorkOrderDraft(ticketCode: "WO-1", plate: "粤B12345", vin: vin, customerPhone: phone), actor: "desk")
        let keyPath = KioskDatabase.defaultKeyPath(forStore: store.database.path)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600 && (attributes[.size] as? Int) == 32)
        let kept = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        try FileManager.default.removeItem(atPath: keyPath)
        #expect(throws: PersonalDataError.keyMissing(path: keyPath)) { try KioskDatabase.open(at: store.database.path) }
        #expect(!FileManager.default.fileExists(atPath: keyPath), "no new key is made for a store that has sealed data")
        #expect(throws: PersonalDataError.wrongKey(path: "(in memory)")) {
            try KioskDatabase.open(at: store.database.path, key: .key(.random()))
        }
        try kept.write(to: URL(fileURLWithPath: keyPath))
        #expect(try KioskDatabase.open(at: store.database.path).workshop.order("WO-1")?.customerPhone == phone)
    }

    @Test("a store from before sealing is sealed when opened: the old plaintext leaves the file, the orders stay")
    func migratesAnOldStore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-old-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("kioskd.sqlite").path
        do {
            let old = try DatabasePool(path: path)
            try Schema.migrator.migrate(old, upTo: "v6-pin-lockout")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO work_order (ticketCode, publicToken, plate, vin, customerPhone, services, state, stateSince, openedAt)
                    VALUES ('WO-OLD', 'tok', '粤B12345', ?, ?, '[]', 'repairing', '2026-11-01 08:00:00.000', '2026-11-01 08:00:00.000')
                    """, arguments: [vin, phone])
            }
            try old.close()
        }
        #expect(storeBytes(path).range(of: Data(phone.utf8)) != nil, "the old store has it in plain")
        let database = try KioskDatabase.open(at: path)
        #expect(try database.workshop.order("WO-OLD").map { [$0.vin, $0.customerPhone, $0.state.rawValue] } == [vin, phone, "repairing"])
        #expect(try database.workshop.orders(phone: phone).count == 1)
        let bytes = storeBytes(path)
        #expect(bytes.range(of: Data(phone.utf8)) == nil && bytes.range(of: Data(vin.utf8)) == nil)
    }

    @Test("sealed values open only under their key, and a changed byte is detected")
    func sealing() throws {
        let key = PersonalDataKey.random()
        let sealed = try key.seal(phone)
        #expect(try key.open(sealed) == phone)
        #expect(try key.seal(phone) != sealed, "a new nonce every time")
        #expect(throws: PersonalDataError.cannotOpen) { try PersonalDataKey.random().open(sealed) }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: PersonalDataError.cannotOpen) { try key.open(tampered) }
        #expect(key.lookupHash("phone", "138-0013-8000") == key.lookupHash("phone", phone))
        #expect(key.lookupHash("phone", phone) != PersonalDataKey.random().lookupHash("phone", phone))
    }
}
