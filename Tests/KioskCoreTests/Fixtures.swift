import Foundation
@testable import KioskCore

/// A store in a fresh temporary directory, with two bins and two parts, deleted at the end.
final class TemporaryStore {
    let directory: URL
    let database: KioskDatabase

    init(seeded: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kioskd-test-\(UUID().uuidString)")
        database = try KioskDatabase.open(at: directory.appendingPathComponent("kioskd.sqlite").path)
        if seeded {
            try database.catalog.save(Bin(code: "A-01", label: "滤清器货架"))
            try database.catalog.save(Bin(code: "A-02"))
            try database.catalog.save(Part(partNumber: "15400-RTA-003", nameZh: "机油滤清器", nameEn: "Oil filter",
                                           safetyStock: 5, reorderPoint: 8, defaultBin: "A-01"),
                                      barcodes: ["6901234567892", "09501101530003"])
            try database.catalog.save(Part(partNumber: "08798-9036", nameZh: "机油", nameEn: "Engine oil", unit: "瓶"),
                                      barcodes: ["4006381333931"])
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Opens work orders with these tickets (checked in), so parts can be issued to them.
    @discardableResult
    func openWorkOrders(_ tickets: String...) throws -> [WorkOrder] {
        try tickets.map {
            try database.workshop.open(WorkOrderDraft(ticketCode: $0, plate: "粤B12345", vin: "LSVAU2180N2183294", customerPhone: "13800000000"),
                                       actor: "desk")
        }
    }

    func draft(_ kind: MovementKind, _ quantity: Int, part: String = "15400-RTA-003", from: String? = nil, to: String? = nil,
               workOrder: String? = nil, reason: String? = nil, key: UUID = UUID()) -> MovementDraft {
        MovementDraft(key: key, kind: kind, partNumber: part, quantity: quantity, fromBin: from, toBin: to,
                      workOrder: workOrder, reason: reason, deviceID: "counter-test", actor: "tester")
    }
}

/// A deterministic random generator (SplitMix64), so a failing seed can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Counter {
    /// Scans each text in order, as a clerk would, and returns the feedback of each.
    func scan(_ texts: String...) throws -> [ScanFeedback] {
        try texts.map { try handle(ScanEvent(source: "test", text: $0)) }
    }
}
