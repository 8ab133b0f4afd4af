import Testing
@testable import KioskCore

@Suite("Scan classification and the counter session (pure)")
struct CounterSessionTests {
    @Test("kioskd's own codes, GS1 codes and plain codes are told apart", arguments: [
        ("KD:CMD:RECEIVE", ClassifiedScan.command(.mode(.receive))),
        ("kd:cmd:issue", .command(.mode(.issue))),
        ("KD:CMD:QTY:12", .command(.quantity(12))),
        ("KD:CMD:UNDO", .command(.undo)),
        ("KD:BIN:A-01-03", .bin("A-01-03")),
        ("KD:WO:WO2026-0001", .workOrder("WO2026-0001")),
        ("KD:TECH:T007", .badge("T007")),
        ("6901234567892", .code("6901234567892")),
        ("15400-RTA-003", .code("15400-RTA-003")),
        ("Kd:bin:A-02", .bin("A-02")),
        ("]Q1kD:CMD:RECEIVE", .command(.mode(.receive))),
        ("  KD:CMD:UNDO\r\n", .command(.undo)),
        ("\u{200B}6901234567892\u{3000}", .code("6901234567892")),
        ("KD", .code("KD")),
        ("KDX:BIN:A-01", .code("KDX:BIN:A-01")),
        ("ＫＤ:BIN:A-01", .code("ＫＤ:BIN:A-01")),
        // Decided by characters, as before: the Kelvin sign is K, a colon with a mark is not a colon.
        ("\u{212A}D:BIN:A-01", .bin("A-01")),
        ("KD:\u{301}BIN:A-01", .code("KD:\u{301}BIN:A-01")),
        (String(repeating: "配", count: 200), .code(String(repeating: "配", count: 200))),
    ])
    func classify(text: String, expected: ClassifiedScan) {
        #expect(ScanClassifier.classify(text) == expected)
    }

    @Test("bad kioskd codes are malformed, with a reason", arguments: ["KD:CMD:QTY:0", "KD:CMD:QTY:x", "KD:CMD:FLY", "KD:BIN:", "KD:ZZ:1", "", "AB\u{7}C",
                                                                  String(repeating: "A", count: 513), String(repeating: "配", count: 513)])
    func malformed(text: String) {
        guard case .malformed(let reason) = ScanClassifier.classify(text) else {
            Issue.record("\(text) should be malformed")
            return
        }
        #expect(!reason.isEmpty)
    }

    let filter = Part(partNumber: "P1", nameZh: "滤芯", nameEn: "Filter", defaultBin: "A-01")
    let bolt = Part(partNumber: "P2", nameZh: "螺栓", nameEn: "Bolt")

    @Test("receive: the scanned bin, else the part's default bin; quantity once")
    func receive() {
        var session = CounterSession()
        (session, _) = session.handle(.command(.mode(.receive)))
        (session, _) = session.handle(.command(.quantity(6)))
        let (afterFirst, first) = session.handle(.part(filter, codeQuantity: nil))
        #expect(first == .move(kind: .receive, part: filter, quantity: 6, fromBin: nil, toBin: "A-01", workOrder: nil))
        let (_, second) = afterFirst.handle(.part(filter, codeQuantity: nil))
        #expect(second == .move(kind: .receive, part: filter, quantity: 1, fromBin: nil, toBin: "A-01", workOrder: nil))
        let (unchanged, refused) = afterFirst.handle(.part(bolt, codeQuantity: nil))
        guard case .reject = refused else { Issue.record("a part without bin needs a bin scan"); return }
        #expect(unchanged == afterFirst)
    }

    @Test("issue needs a work order; transfer needs a source and a destination bin")
    func issueAndTransfer() {
        var session = CounterSession()
        (session, _) = session.handle(.command(.mode(.issue)))
        guard case .reject = session.handle(.part(filter, codeQuantity: nil)).1 else { Issue.record("needs a work order"); return }
        (session, _) = session.handle(.workOrder("WO-9"))
        #expect(session.handle(.part(filter, codeQuantity: 2)).1
                == .move(kind: .issue, part: filter, quantity: 2, fromBin: "A-01", toBin: nil, workOrder: "WO-9"))

        (session, _) = session.handle(.command(.mode(.transfer)))
        guard case .reject = session.handle(.part(filter, codeQuantity: nil)).1 else { Issue.record("needs bins"); return }
        (session, _) = session.handle(.bin("A-01"))
        guard case .reject = session.handle(.bin("A-01")).1 else { Issue.record("same bin twice"); return }
        (session, _) = session.handle(.bin("B-02"))
        #expect(session.handle(.part(bolt, codeQuantity: nil)).1
                == .move(kind: .transfer, part: bolt, quantity: 1, fromBin: "A-01", toBin: "B-02", workOrder: nil))
        (session, _) = session.handle(.bin("C-03"))
        #expect(session.bin == "C-03" && session.targetBin == nil, "a third bin starts a new pair")
    }

    @Test("undo pops the newest entry; cancel keeps only the badge")
    func undoAndCancel() throws {
        var session = CounterSession()
        let a = UUID(), b = UUID()
        session.pushUndo(.movement(a))
        session.pushUndo(.movement(b))
        let (afterUndo, action) = session.handle(.command(.undo))
        #expect(action == .undo(.movement(b)))
        #expect(afterUndo.undoStack == [.movement(a)])
        (session, _) = session.handle(.badge("T1"))
        (session, _) = session.handle(.bin("A-01"))
        (session, _) = session.handle(.command(.cancel))
        #expect(session.bin == nil && session.mode == .lookup && session.badge == "T1" && session.undoStack.isEmpty)
        guard case .reject = session.handle(.command(.undo)).1 else { Issue.record("nothing to undo"); return }
    }

    @Test("the undo stack keeps only the newest entries")
    func undoDepth() {
        var session = CounterSession()
        for _ in 0..<30 { session.pushUndo(.movement(UUID())) }
        #expect(session.undoStack.count == CounterSession.undoDepth)
    }
}

import Foundation

@Suite("The saved counter session")
struct SavedSessionTests {
    @Test("undo entries are saved compactly, and sessions saved in the older nested form still load")
    func undoEntriesRoundTrip() throws {
        var session = CounterSession(mode: .receive)
        let movement = UUID(), scan = UUID(), stocktake = UUID()
        session.undoStack = [.movement(movement), .countScan(scan, stocktake: stocktake, partNumber: "P1", bin: "A-01", quantity: 3)]
        let saved = try JSONEncoder().encode(session)
        #expect(String(decoding: saved, as: UTF8.self).contains("\"m:\(movement.uuidString)\""))
        #expect(try JSONDecoder().decode(CounterSession.self, from: saved) == session)

        // As Swift's synthesized enum coding wrote them before.
        var older = try JSONSerialization.jsonObject(with: saved) as! [String: Any]
        older["undoStack"] = [["movement": ["_0": movement.uuidString]],
                              ["countScan": ["_0": scan.uuidString, "stocktake": stocktake.uuidString, "partNumber": "P1", "bin": "A-01", "quantity": 3]]]
        let loaded = try JSONDecoder().decode(CounterSession.self, from: try JSONSerialization.data(withJSONObject: older))
        #expect(loaded == session)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CounterSession.UndoEntry.self, from: Data("\"x:nothing\"".utf8))
        }
    }
}

extension SavedSessionTests {
    static let awkwardTexts = ["A-01", "库位\"甲\"", "back\\slash", "tab\there", "line\nend\r", "\u{1}\u{1F}bell\u{7}", "😀 émoji", "", "]C1\u{1D}10ABC"]

    @Test("the stored JSON decodes back to the session and says what JSONEncoder says, whatever the texts hold")
    func storedJSONMatchesTheEncoder() throws {
        for text in Self.awkwardTexts {
            var session = CounterSession(mode: .transfer)
            session.bin = text
            session.targetBin = text + "2"
            session.workOrder = text
            session.pendingQuantity = 12
            session.quantityTyped = true
            session.badge = text
            session.stocktakeID = UUID()
            session.closedStocktakeID = UUID()
            session.undoStack = [.movement(UUID()), .countScan(UUID(), stocktake: UUID(), partNumber: text, bin: text, quantity: 0)]
            session.delivery = UUID()
            session.deliveryOrder = text
            session.pendingSSCC = text
            session.receiptCondition = .damaged
            let stored = session.storedJSON
            #expect(try JSONDecoder().decode(CounterSession.self, from: Data(stored.utf8)) == session, "\(stored)")
            let ours = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as! NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(session)) as! NSDictionary
            #expect(ours == theirs, "\(stored)")
        }
        for mode in CounterMode.allCases {
            let session = CounterSession(mode: mode)
            #expect(try JSONDecoder().decode(CounterSession.self, from: Data(session.storedJSON.utf8)) == session)
        }
    }

    @Test("a UUID written for the stored session reads exactly as Foundation's uuidString")
    func uuidTextMatchesFoundation() {
        let edges = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                     UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))]
        for id in edges + (0..<2_000).map({ _ in UUID() }) {
            #expect(id.text == id.uuidString)
        }
    }

    @Test("a scan's id is a random version 4 UUID, read back by Foundation, never the same twice")
    func scanIDsAreRandomVersion4() {
        let ids = (0..<10_000).map { _ in ScanEvent(source: "t", text: "x").id }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(500) {
            let text = id.uuidString
            #expect(Array(text)[14] == "4", "version 4: \(text)")
            #expect("89AB".contains(Array(text)[19]), "variant 10: \(text)")
            #expect(UUID(uuidString: text) == id)
        }
        // Each of the 122 random bits takes both values over the ids.
        let ones = ids.reduce(into: [Int](repeating: 0, count: 128)) { counts, id in
            withUnsafeBytes(of: id.uuid) { bytes in
                for bit in 0..<128 where bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 { counts[bit] += 1 }
            }
        }
        let fixed: Set<Int> = [48, 49, 50, 51, 64, 65]
        for bit in 0..<128 where !fixed.contains(bit) {
            #expect((4_000...6_000).contains(ones[bit]), "bit \(bit) was set in \(ones[bit]) of 10,000 ids")
        }
    }

    @Test("a scan's text is trimmed of exactly what Foundation's whitespacesAndNewlines trims")
    func trimmingMatchesFoundation() {
        for value in UInt32(0)...0x1_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "\(scalar)X\(scalar)"
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(value, radix: 16))")
        }
        for text in [" \t KD:BIN:A-01\r\n", "\u{3000}6901234567892\u{A0}", "   ", "", "\u{1D}10ABC\u{1D}"] {
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
