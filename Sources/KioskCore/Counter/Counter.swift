import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// The last session a counter saw in the store: its text, its decoded value, and the writer
/// connection's data version when the store held it.
final class SessionCache: Sendable {
    struct Entry: Sendable {
        var json: String
        var session: CounterSession
        /// SQLite's data version of the writer connection (`SQLITE_FCNTL_DATA_VERSION`) when
        /// the store held this session, `nil` when SQLite could not say. It moves with
        /// every commit to the file, the writer's own and, from the next transaction the writer
        /// begins, every other connection's (another counter, a `kioskd` command): while it has
        /// not moved, nobody has committed since, and the session is still what the store holds.
        var writerVersion: UInt32?
    }
    private struct State {
        var entry: Entry?
        /// The session saved last in the transaction under way, if it saved one.
        var saved: (json: String, session: CounterSession)?
    }
    private let state = Mutex(State())

    /// The session the store held when this counter last saw it.
    var entry: Entry? {
        get { state.withLock { $0.entry } }
        set { state.withLock { $0.entry = newValue } }
    }

    /// Whether a session was saved in the transaction under way. The data version moves only
    /// at commits, so within a transaction that handles several scans (the rehearsal) the
    /// entry is the session from before the first of them, and what is read from the store is
    /// not committed yet: neither may be cached.
    var savePending: Bool {
        state.withLock { $0.saved != nil }
    }

    /// Notes a session saved in the transaction under way: the last one saved becomes the
    /// entry if the transaction commits (a session saved in a savepoint that was then rolled
    /// back, and saved again after it, is the second), and is forgotten if it rolls back.
    func saved(_ json: String, _ session: CounterSession, in db: Database) {
        state.withLock { $0.saved = (json, session) }
        db.afterNextTransaction(onCommit: { [self] db in
            let version = Counter.writerVersion(of: db)
            state.withLock { state in
                guard let saved = state.saved else { return }
                state.entry = Entry(json: saved.json, session: saved.session, writerVersion: version)
                state.saved = nil
            }
        }, onRollback: { [self] _ in state.withLock { $0.saved = nil } })
    }
}

/// What the clerk is told after a scan: accepted or rejected with the reason. Produced only
/// after the scan's transaction has committed, so an accepted scan is already durable.
public struct ScanFeedback: Sendable, Hashable {
    public var scanID: UUID
    public var accepted: Bool
    /// Chinese first, English second; shown unchanged.
    public var message: String
    /// The movement the scan recorded, if any.
    public var movement: StockMovement?
    /// Alerts the scan raised (low stock).
    public var alerts: [StockAlert]
    /// Variance lines when the scan closed a stocktake.
    public var variance: [VarianceLine]
    /// `true` when the scan's id had been seen before: nothing was applied again.
    public var duplicate: Bool
    /// The counter's state after the scan.
    public var session: CounterSession
    /// What the scan came to, for the lamp, the buzzer and the page.
    public var outcome: ScanOutcome = .accepted
}

extension ScanFeedback {
    /// The rejection shown when the store itself failed (disk full, read-only, damaged):
    /// nothing was saved, and the clerk must hear so rather than silence.
    public static func storeFailed(_ scan: ScanEvent, error: any Error) -> ScanFeedback {
        let reason = (error as? DatabaseError).map { $0.message ?? "\($0.resultCode)" } ?? "\(error)"
        return ScanFeedback(scanID: scan.id, accepted: false,
                            message: "扫描未保存：存储故障，请重新扫描或联系管理员 / scan NOT saved: the store failed (\(reason)); scan again, or call the manager",
                            movement: nil, alerts: [], variance: [], duplicate: false, session: CounterSession(), outcome: .storeFault)
    }

    /// The feedback for a code dropped by a source's duplicate window: nothing was applied.
    public static func duplicateIgnored(_ scan: ScanEvent) -> ScanFeedback {
        ScanFeedback(scanID: scan.id, accepted: false,
                     message: "重复扫描已忽略（同一条码在重复窗口内）/ duplicate scan ignored: the same code again inside the source's duplicate window",
                     movement: nil, alerts: [], variance: [], duplicate: true, session: CounterSession(), outcome: .duplicate)
    }
}

/// Something that shows the clerk the outcome of a scan: a log line, a beep and lamp on
/// GPIO, a tick on the counter page. Called only after the commit, on the scan desk's
/// thread, one scan at a time: it must return promptly (the next scan waits for it) and must
/// not wait for Swift concurrency.
public protocol ScanIndicator: Sendable {
    func show(_ feedback: ScanFeedback)
}

/// The parts counter: turns scans into stock movements, counts and session changes.
///
/// Each scan is one transaction: the session is loaded, the scan resolved against the
/// catalog, the decision applied (movement, count, undo…), the new session and a scan-log
/// row saved, and only then is feedback returned.
public struct Counter: Sendable {
    public struct Options: Sendable, Hashable {
        public var allowNegativeStock: Bool
        /// Who is recorded as actor when no badge has been scanned.
        public var defaultActor: String
        /// The bay this device stands at: a badge scanned here clocks the technician on or
        /// off the bay's job, and appointments checked in here open their job at this bay.
        public var bay: String?
        /// Set when the store failed its check at start-up: every scan is refused with this
        /// message and nothing is written to the damaged file.
        public var refuseWrites: String?
        /// What a receipt of an item past its GS1 expiry date (AI 17) does.
        public var expiredAtReceipt: ExpiryPolicy = .refuse
        /// The largest quantity one scan may carry, keyed or in a GS1 count (1…9999).
        public var maximumQuantityPerScan: Int = CounterSession.maximumQuantity
        public enum ExpiryPolicy: String, Sendable, Hashable { case refuse, warn }
        public init(allowNegativeStock: Bool = false, defaultActor: String = "clerk", bay: String? = nil, refuseWrites: String? = nil,
                    expiredAtReceipt: ExpiryPolicy = .refuse, maximumQuantityPerScan: Int = CounterSession.maximumQuantity) {
            self.expiredAtReceipt = expiredAtReceipt
            self.maximumQuantityPerScan = maximumQuantityPerScan
            self.allowNegativeStock = allowNegativeStock
            self.defaultActor = defaultActor
            self.bay = bay
            self.refuseWrites = refuseWrites
        }
    }

    let database: KioskDatabase
    public let deviceID: String
    public let options: Options
    /// The last session text seen with its decoded value, shared by copies of this counter.
    let sessionCache = SessionCache()

    public init(database: KioskDatabase, deviceID: String, options: Options = Options()) {
        self.database = database
        self.deviceID = deviceID
        self.options = options
    }

    /// The saved session of this counter.
    public func session() throws -> CounterSession {
        try database.pool.read { try loadSession(in: $0) }
    }

    /// The saved session, read inside a caller's transaction.
    public func session(in db: Database) throws -> CounterSession {
        try loadSession(in: db)
    }

    /// Handles one scan. Never throws for a bad scan: a rejection is feedback; only a
    /// failure of the store itself (disk full, corruption) throws.
    ///
    /// Most scans take one transaction with no savepoint and no look-up of the scan log
    /// beforehand: the scan log's unique scan id is the check that a scan delivered twice is
    /// not applied twice (the transaction is rolled back and the first answer read). A scan
    /// whose action is refused after it began writing is rolled back too and handled again
    /// in a transaction that keeps its writes in a savepoint, so that the refusal is logged
    /// while none of the action stays. Neither roll-back reaches the disk: every scan still
    /// costs one commit.
    public func handle(_ scan: ScanEvent) throws -> ScanFeedback {
        if let refusal = refusal(of: scan) { return refusal }
        do {
            return try database.write { db in try handle(scan, in: db, refusals: .rollBack) }
        } catch is RefusedAfterWriting {
        } catch let error where error is ScanHandledBefore || error is DatabaseError {
            // Logged already; or a scan delivered again met its own first effects before the
            // scan log said it was handled (a delivery opened under the scan's id, for one):
            // answered as the duplicate it is. Any other store error is the store's.
            if let answer = try? database.pool.read({ db in try earlierAnswer(to: scan, in: db) }) { return answer }
            if error is DatabaseError { throw error }
        }
        return try database.write { db in try handle(scan, in: db, refusals: .keptInSavepoint) }
    }

    /// How a scan whose action is refused after it began writing leaves nothing behind.
    enum RefusalHandling {
        /// The action runs in a savepoint, rolled back on a refusal, and the refusal is logged
        /// in the same transaction: for a caller's own transaction.
        case keptInSavepoint
        /// The action runs without one: a refusal throws ``RefusedAfterWriting``, and a scan
        /// already in the scan log ``ScanHandledBefore``, for the caller to roll the whole
        /// transaction back. Refusals decided before anything is written (an unknown code, a
        /// part with no mode chosen) are still logged in the transaction.
        case rollBack
    }

    /// Thrown under ``RefusalHandling/rollBack`` when the scan's id is in the scan log.
    struct ScanHandledBefore: Error {}
    /// Thrown under ``RefusalHandling/rollBack`` when the action was refused after writing.
    struct RefusedAfterWriting: Error {}

    /// What a scan already in the scan log came to, answered again without applying anything.
    private func earlierAnswer(to scan: ScanEvent, in db: Database) throws -> ScanFeedback? {
        guard let done = try Row.fetchOne(db.cachedStatement(sql: "SELECT accepted, message FROM scan_log WHERE scanID = ?"), arguments: [scan.id]) else {
            return nil
        }
        let movement = try StockMovement.filter(Column("key") == scan.id).fetchOne(db)
        return ScanFeedback(scanID: scan.id, accepted: done["accepted"], message: done["message"], movement: movement,
                            alerts: [], variance: [], duplicate: true, session: try loadSession(in: db), outcome: .duplicate)
    }

    private func refusal(of scan: ScanEvent) -> ScanFeedback? {
        options.refuseWrites.map {
            ScanFeedback(scanID: scan.id, accepted: false, message: $0, movement: nil, alerts: [], variance: [],
                         duplicate: false, session: CounterSession(), outcome: .storeFault)
        }
    }

    /// One scan inside the caller's write transaction.
    func handle(_ scan: ScanEvent, in db: Database, refusals: RefusalHandling = .keptInSavepoint) throws -> ScanFeedback {
        if refusals == .keptInSavepoint, let answer = try earlierAnswer(to: scan, in: db) { return answer }
        let session = try loadSessionForScan(in: db)
        if let failure = scan.readFailure {
            // Nothing was read, so nothing is decided: the session (a pending quantity too)
            // stays for the scan the clerk makes again.
            try log(scan, text: scan.text, accepted: false, message: failure, outcome: .unknownCode, in: db)
            return ScanFeedback(scanID: scan.id, accepted: false, message: failure, movement: nil, alerts: [], variance: [],
                                duplicate: false, session: session, outcome: .unknownCode)
        }
        var facts: StockLedger.MovementFacts?
        let resolved = try resolve(scan, in: db, facts: &facts)
        let (next, action) = session.handle(resolved, maximumQuantity: options.maximumQuantityPerScan)
        var feedback = ScanFeedback(scanID: scan.id, accepted: true, message: "", movement: nil, alerts: [],
                                    variance: [], duplicate: false, session: next)
        do {
            func applyAndSave() throws {
                try apply(action, scan: scan, feedback: &feedback, facts: facts, in: db)
                try saveSession(feedback.session, in: db)
            }
            if case .reject = action {
                try applyAndSave() // refused before anything is written
            } else if refusals == .keptInSavepoint {
                // A savepoint, so that a refused action leaves no partial change behind while
                // the scan log still records the refusal in the same commit.
                try db.inCachedSavepoint { try applyAndSave() }
            } else {
                do { try applyAndSave() } catch is any ScanRefusal { throw RefusedAfterWriting() }
            }
        } catch let refusal as any ScanRefusal {
            // Nothing of the action stays; the session is kept as it was, with a pending
            // quantity disarmed, so that it cannot land on the next scan.
            feedback = rejected(feedback, session.refused(), refusal.description)
            feedback.outcome = refusal.outcome
            if case .undo = action {
                // An entry that cannot be undone (its stock has moved on, its stocktake
                // closed) leaves the list, so the next UNDO reaches the one before it.
                feedback.session.undoStack.removeLast()
                feedback.message += "\n已从撤销列表移除；再扫撤销码将撤销更早一笔 / removed from the undo list: UNDO again undoes the one before"
            }
        }
        if !feedback.accepted { try saveSession(feedback.session, in: db) }
        // A customer's VIN is personal data: the log (and the counter page that shows it)
        // keeps it masked, whatever the scan came to. The store's own new cars, moved or
        // counted on the yard, are stock and keep their VIN.
        var logged = scan.text
        switch (resolved, action) {
        case (_, .moveVehicle), (_, .countVehicle): break
        case (.vehicle(let vin), _):
            logged = vin.masked
            feedback.message = feedback.message.replacingOccurrences(of: vin.text, with: vin.masked)
        case (.malformed, _) where Self.looksLikeVIN(scan.text):
            // A misread VIN is still most of one.
            let text = scan.text.trimmingCharacters(in: .whitespaces)
            logged = String(text.prefix(3)) + String(repeating: "*", count: text.count - 7) + String(text.suffix(4))
            feedback.message = feedback.message.replacingOccurrences(of: text, with: logged)
                .replacingOccurrences(of: text.uppercased(), with: logged)
        default: break
        }
        try log(scan, text: logged, accepted: feedback.accepted, message: feedback.message, outcome: feedback.outcome, in: db)
        return feedback
    }

    /// Logs the scan; throws ``ScanHandledBefore`` when its id is logged already (the
    /// transaction must then be rolled back: the scan was applied before).
    private func log(_ scan: ScanEvent, text: String, accepted: Bool, message: String, outcome: ScanOutcome, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO scan_log (scanID, source, text, symbology, scannedAt, accepted, message, deviceID, outcome)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (scanID) DO NOTHING
            """).execute { p in
                p.bind(scan.id); p.bind(scan.source); p.bind(text); p.bind(scan.symbology); p.bind(StoredDate.text(scan.time))
                p.bind(accepted); p.bind(message); p.bind(deviceID); p.bind(outcome.rawValue)
            }
        if db.changesCount == 0 { throw ScanHandledBefore() }
    }

    private func rejected(_ feedback: ScanFeedback, _ session: CounterSession, _ message: String) -> ScanFeedback {
        var f = feedback
        f.accepted = false
        f.message = message
        f.movement = nil
        f.alerts = []
        f.variance = []
        f.session = session
        return f
    }

    private func actor(_ session: CounterSession, _ scan: ScanEvent) -> String { scan.actor ?? session.badge ?? options.defaultActor }

    /// `facts`: what the look-up of the scanned part read of it, for the movement that books it.
    /// `feedback` comes with the session the action leaves (``CounterSession/handle(_:maximumQuantity:)``)
    /// and is completed in place (not copied: a feedback with its movement and session is
    /// dozens of references to retain, and the scan path copied it twice).
    private func apply(_ action: CounterSession.Action, scan: ScanEvent, feedback: inout ScanFeedback,
                       facts: StockLedger.MovementFacts?, in db: Database) throws {
        switch action {
        case let .reject(reason, outcome):
            throw SessionRefusal(description: reason, outcome: outcome)
        case .context(let message):
            feedback.message = message
        case .clockToggle(let badge):
            guard let bay = options.bay else {
                feedback.message = "操作员 \(badge) / badge \(badge)"
                break
            }
            feedback.message = try Workshop.toggleClock(badge: badge, bay: bay, at: scan.time, in: db)
        case .checkIn(let code):
            let order = try Workshop.checkIn(appointment: code, actor: actor(feedback.session, scan), bay: options.bay, at: scan.time, in: db)
            feedback.message = "✓ 已接车 \(order.ticketCode) \(order.plate) / checked in \(order.ticketCode)"
        case .checkInVehicle(let vin):
            let result = try Workshop.checkIn(vin: vin, phone: nil, plate: nil, services: [], bay: options.bay,
                                              actor: actor(feedback.session, scan), at: scan.time, in: db)
            let order = result.order
            let about = "\(vin.manufacturer)\(vin.modelYear(reference: scan.time).map { " \($0)" } ?? "")"
            feedback.message = (result.opened
                ? "✓ 已接车 \(order.ticketCode) \(order.maskedPlate) \(about) / checked in: opened \(order.ticketCode)"
                : "工单 \(order.ticketCode) 进行中（\(order.state.nameZh)）\(order.maskedPlate) / \(vin.masked) already has open work order \(order.ticketCode) (\(order.state.rawValue))")
                + (result.history.isEmpty ? "" : "\n维修记录 service history: " + result.history.prefix(5).map {
                    "\($0.ticketCode) \($0.services.map(\.name).joined(separator: "、"))"
                }.joined(separator: "; "))
            feedback.session.workOrder = order.ticketCode
        case let .moveVehicle(vin, bin):
            let outcome = try Yard.record(VehicleStep(key: scan.id, vin: vin, action: .move(to: bin), deviceID: deviceID,
                                                      actor: actor(feedback.session, scan), at: scan.time), in: db)
            feedback.message = "✓ 移位 \(vin.text) \(outcome.vehicle.model) \(outcome.movement.fromBin ?? "-")→\(bin) / moved \(vin.text) to \(bin)"
        case let .countVehicle(vin, bin):
            try Yard.count(vin, in: bin, at: scan.time, in: db)
            let counted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM yard_count WHERE stocktakeID = (SELECT id FROM yard_stocktake WHERE closedAt IS NULL)") ?? 0
            feedback.message = "✓ 车场盘点 \(vin.text) 在 \(bin)，已盘 \(counted) 台 / counted \(vin.text) in \(bin), \(counted) cars so far"
        case .openYardCount:
            let joined = try Yard.openStocktakeID(in: db) != nil
            if !joined { _ = try Yard.openStocktake(actor: actor(feedback.session, scan), at: scan.time, in: db) }
            feedback.message = (joined ? "继续车场盘点" : "车场盘点已开始") + "：扫描车位，再扫该车位每台车的车架号 / yard count \(joined ? "joined" : "opened"): scan a yard bin, then every VIN in it"
        case .closeYardCount:
            let variance = try Yard.closeStocktake(at: scan.time, in: db)
            feedback.message = "已关闭 closed. " + variance.report
            feedback.session.mode = .lookup
            feedback.session.bin = nil
        case .lookup(let part):
            let balances = try StockBalance.filter(Column("partNumber") == part.partNumber && Column("quantity") != 0).fetchAll(db)
            let total = balances.reduce(0) { $0 + ($1.binCode == Purchasing.quarantineBin ? 0 : $1.quantity) }
            let where_ = balances.map { "\($0.binCode):\($0.quantity)" }.joined(separator: " ")
            feedback.message = "\(part.partNumber) \(part.nameZh) / \(part.nameEn) 库存 on hand \(total) \(part.unit) \(where_)"
        case let .move(kind, part, quantity, fromBin, toBin, workOrder, trace):
            try move(kind: kind, part: part, facts: facts, quantity: quantity, fromBin: fromBin, toBin: toBin, workOrder: workOrder, trace: trace,
                     scan: scan, feedback: &feedback, in: db)
        case let .openDelivery(number, sscc):
            var delivery = try Delivery.filter(Column("orderNumber") == number && Column("deviceID") == deviceID && Column("closedAt") == nil).fetchOne(db)
            let rejoined = delivery != nil
            if let open = delivery, let sscc { delivery = try Purchasing.attachSSCC(sscc, to: open.id, in: db) }
            if delivery == nil {
                delivery = try Purchasing.openDelivery(order: number, sscc: sscc, id: scan.id, deviceID: deviceID, actor: actor(feedback.session, scan), at: scan.time, in: db)
            }
            feedback.session.delivery = delivery!.id
            feedback.session.deliveryOrder = number
            let order = try PurchaseOrder.fetchOne(db, key: number)
            let open = try Purchasing.variance(of: number, in: db).filter { $0.remaining > 0 }
            feedback.message = "\(rejoined ? "继续收货" : "开始收货") 采购单 \(number)（\(order?.supplier ?? "")）\(delivery!.sscc.map { " SSCC \($0)" } ?? "")：逐件扫描配件，完成后扫结束码 / "
                + "\(rejoined ? "rejoined" : "receiving") against \(number) from \(order?.supplier ?? ""): scan each part, then CLOSE"
                + (open.isEmpty ? "" : "\n待收 to come: " + open.map { "\($0.partNumber)×\($0.remaining)" }.joined(separator: " "))
        case .attachSSCC(let sscc):
            guard let id = feedback.session.delivery else { throw PurchasingError.noDeliveryOpen }
            let delivery = try Purchasing.attachSSCC(sscc, to: id, in: db)
            feedback.message = "收货 \(delivery.orderNumber) SSCC \(sscc) / delivery against \(delivery.orderNumber): SSCC \(sscc)"
        case let .receiveDelivered(part, quantity, bin, condition, id, trace):
            let delivery = try Purchasing.checkReceipt(of: part.partNumber, condition: condition, into: id, in: db)
            let into = condition == .damaged ? Purchasing.quarantineBin : (bin ?? part.defaultBin)
            try move(kind: .receive, part: part, facts: facts, quantity: quantity, fromBin: nil, toBin: into, workOrder: nil, trace: trace,
                     scan: scan, feedback: &feedback, in: db)
            if let movement = feedback.movement {
                try DeliveryLine(movementKey: movement.key, deliveryID: id, partNumber: part.partNumber, quantity: quantity, condition: condition).insert(db)
            }
            let line = try Purchasing.variance(of: delivery.orderNumber, in: db).first { $0.partNumber == part.partNumber }
            feedback.message += "\n" + (condition == .damaged ? "损坏件已放入隔离区 / damaged: in quarantine, not stock\n" : condition == .extra ? "多送 / extra\n" : "")
                + (line.map { "采购单 \(delivery.orderNumber)：\($0.partNumber) 已收 \($0.received)/\($0.ordered)，待收 \($0.remaining) / received \($0.received) of \($0.ordered), \($0.remaining) to come" } ?? "")
            if let line, condition == .ordered, line.over > 0 {
                // Booked (the parts are here): the clerk hears it, and CLOSE reports it as over.
                feedback.message += "\n⚠ 超出订货数量 \(line.over) / more than ordered by \(line.over)"
            }
        case .closeDelivery(let id):
            let (delivery, variance) = try Purchasing.close(id, at: scan.time, in: db)
            // The delivery's receipts are final: UNDO does not reach into it, nor past it.
            feedback.session.undoStack.removeAll()
            let differing = variance.filter { $0.remaining > 0 || $0.over > 0 || $0.damaged > 0 }
            let status = try PurchaseOrder.fetchOne(db, key: delivery.orderNumber)?.status
            feedback.message = "收货已结束 采购单 \(delivery.orderNumber)：\(differing.isEmpty ? "与订单一致" : "差异 \(differing.count) 行") / delivery against \(delivery.orderNumber) closed: "
                + (differing.isEmpty ? "as ordered" : "\(differing.count) lines differ")
                + (status == .received ? "；采购单已收齐 / the order is complete" : "")
                + variance.map { "\n  " + $0.summary }.joined()
        case let .receiveCarton(sscc, bin):
            let (transfer, outcome) = try Transfers.receive(sscc, into: bin, key: scan.id, deviceID: deviceID, actor: actor(feedback.session, scan), at: scan.time, in: db)
            if case .recorded(let movement, let alerts) = outcome {
                feedback.movement = movement
                feedback.alerts = alerts
            }
            // Not undone at the counter (the chain's ledger keeps it received), and a line UNDO does
            // not reach past: the clerk pressing UNDO now means the carton, not an older receipt.
            feedback.session.undoStack.removeAll()
            let onHand = try StockLedger.onHand(of: transfer.partNumber, in: db)
            feedback.message = "✓ 调拨入库 \(transfer.partNumber) ×\(transfer.quantity) → \(transfer.toBin ?? "-")，来自 \(transfer.fromStore)，现有 \(onHand) / received transfer \(sscc) from \(transfer.fromStore): \(transfer.partNumber) ×\(transfer.quantity), on hand \(onHand)"
                + "\n调拨箱整箱入库，不能撤销；放错库位请用移库 / a carton receipt is not undone: if it went to the wrong bin, use TRANSFER"
                + feedback.alerts.map { "\n⚠ \($0.message)" }.joined()
        case .openCount(let bin):
            let stocktake = try StocktakeBook.openStocktake(covering: bin, in: db)
                ?? StocktakeBook.open(bin: bin, actor: actor(feedback.session, scan), at: scan.time, in: db)
            feedback.session.stocktakeID = stocktake.id
            feedback.message = "盘点 \(stocktake.scopeDescription)：请扫描库位 \(bin) 中的配件 / counting \(bin): scan every part in it"
        case let .count(part, quantity, bin):
            guard let id = feedback.session.stocktakeID else { throw StocktakeError.noOpenStocktake }
            try StocktakeBook.recordCount(stocktake: id, key: scan.id, partNumber: part.partNumber, bin: bin, quantity: quantity,
                                          reverses: nil, deviceID: deviceID, actor: actor(feedback.session, scan), at: scan.time, in: db)
            feedback.session.pushUndo(.countScan(scan.id, stocktake: id, partNumber: part.partNumber, bin: bin, quantity: quantity))
            let counted = try Int.fetchOne(db, sql: "SELECT SUM(quantity) FROM stocktake_scan WHERE stocktakeID = ? AND partNumber = ? AND binCode = ?",
                                           arguments: [id, part.partNumber, bin]) ?? 0
            feedback.message = "✓ 盘点 \(part.partNumber) \(part.nameZh) ×\(quantity)，\(bin) 已数 \(counted) / counted \(part.nameEn) ×\(quantity), \(counted) so far in \(bin)"
        case .undo(let entry):
            switch entry {
            case .movement(let key):
                guard let original = try StockMovement.filter(Column("key") == key).fetchOne(db) else { throw StockError.nothingToUndo }
                // A receipt into a delivery leaves it with its undo; into a closed one, it stays.
                if let line = try DeliveryLine.fetchOne(db, key: key) {
                    guard try Delivery.fetchOne(db, key: line.deliveryID)?.closedAt == nil else { throw PurchasingError.deliveryClosed }
                    try line.delete(db)
                }
                let draft = MovementDraft(key: scan.id, kind: .reversal, partNumber: original.partNumber, quantity: original.quantity,
                                          fromBin: original.toBin, toBin: original.fromBin, workOrder: original.workOrder,
                                          reason: "撤销 undo \(original.kind.rawValue) #\(original.seq ?? 0)", reverses: original.key,
                                          scanText: scan.text, deviceID: deviceID, actor: actor(feedback.session, scan), recordedAt: scan.time)
                let outcome = try StockLedger.record(draft, allowNegativeStock: options.allowNegativeStock, in: db)
                feedback.movement = outcome.movement
                if case .recorded(_, let alerts) = outcome { feedback.alerts = alerts }
                feedback.message = "↶ 已撤销 \(original.kind.nameZh) \(original.partNumber) ×\(original.quantity) / undone: \(original.kind.rawValue) \(original.partNumber) ×\(original.quantity)"
                for ticket in try String.fetchAll(db, sql: "SELECT ticketCode FROM workshop_event WHERE kind = 'partsArrivalUndone' AND at = ? ORDER BY rowid",
                                                  arguments: [StoredDate.text(scan.time)]) {
                    feedback.message += "\n\(ticket) 的待料未到齐，继续待料 / the parts for \(ticket) are no longer all here: it waits for parts again"
                }
            case let .countScan(key, stocktake, partNumber, bin, quantity):
                try StocktakeBook.recordCount(stocktake: stocktake, key: scan.id, partNumber: partNumber, bin: bin, quantity: -quantity,
                                              reverses: key, deviceID: deviceID, actor: actor(feedback.session, scan), at: scan.time, in: db)
                feedback.message = "↶ 已撤销盘点 \(partNumber) ×\(quantity) / undone count of \(partNumber) ×\(quantity)"
            }
        case .closeCount(let id):
            let lines = try StocktakeBook.close(id, at: scan.time, in: db)
            feedback.variance = lines
            let differing = lines.filter { $0.variance != 0 }
            feedback.message = "盘点已关闭：\(lines.count) 行，差异 \(differing.count) 行；扫描确认码过账 / stocktake closed: \(lines.count) lines, \(differing.count) differ; scan CONFIRM to post adjustments"
                + differing.map { "\n  \($0.binCode) \($0.partNumber) 应有 expected \($0.expected) 实盘 counted \($0.counted) (\($0.variance > 0 ? "+" : "")\($0.variance))" }.joined()
        case .confirmCount(let id):
            let movements = try StocktakeBook.confirm(id, deviceID: deviceID, actor: actor(feedback.session, scan), at: scan.time, in: db)
            // A confirmed stocktake is a line UNDO does not reach past: the clerk pressing UNDO
            // now means the count, and must not reverse an older receipt instead.
            feedback.session.undoStack.removeAll()
            feedback.message = "盘点已确认：过账 \(movements.count) 笔调整 / stocktake confirmed: \(movements.count) adjustments posted"
        }
    }

    /// Books one movement of a part scan (receive, issue, return, transfer) with its checks and
    /// the clerk's message: serials already in stock and expired items refused at receipt, issues
    /// to open jobs only, returns at most what the job holds, the bays whose parts came in.
    private func move(kind: MovementKind, part: Part, facts: StockLedger.MovementFacts?, quantity: Int, fromBin: String?, toBin: String?, workOrder: String?, trace: ItemTrace,
                      scan: ScanEvent, feedback: inout ScanFeedback, in db: Database) throws {
        if kind == .receive, let serial = trace.serial, try StockLedger.serialInStock(part.partNumber, serial: serial, in: db) > 0 {
            throw StockError.serialInStock(part: part.partNumber, serial: serial)
        }
        var expiredWarning = ""
        if kind == .receive, let expiry = trace.expiry, expiry < StoredDate.day(scan.time) {
            switch options.expiredAtReceipt {
            case .refuse: throw StockError.expired(part: part.partNumber, expiry: expiry)
            case .warn: expiredWarning = "\n⚠ 已过期 \(expiry) / expired on \(expiry)"
            }
        }
        if kind == .issue || kind == .transfer, fromBin == Purchasing.quarantineBin {
            throw SessionRefusal(description: "隔离区的损坏件不能出库或移库：请退供应商 / damaged parts in quarantine are not issued or moved: return them to the supplier",
                                 outcome: .refused)
        }
        if let workOrder {
            // Issue to open jobs only (one may have closed since its ticket was scanned);
            // a return may come back from a delivered or cancelled one.
            if kind == .issue { try Workshop.requireOpenOrder(workOrder, in: db) } else { try Workshop.requireOrder(workOrder, in: db) }
            if kind == .return {
                let outstanding = try StockLedger.issuedNotReturned(part.partNumber, workOrder: workOrder, in: db)
                guard quantity <= outstanding else {
                    throw StockError.returnExceedsIssued(part: part.partNumber, workOrder: workOrder, returning: quantity, outstanding: outstanding)
                }
            }
        }
        let draft = MovementDraft(key: scan.id, kind: kind, partNumber: part.partNumber, quantity: quantity,
                                  fromBin: fromBin, toBin: toBin, workOrder: workOrder, scanText: scan.text,
                                  trace: trace, deviceID: deviceID, actor: actor(feedback.session, scan), recordedAt: scan.time)
        let booked = try StockLedger.book(draft, known: facts.map { (part, $0) }, allowNegativeStock: options.allowNegativeStock, in: db)
        if case .recorded(let movement, let alerts) = booked.outcome {
            feedback.movement = movement
            feedback.alerts = alerts
            feedback.session.pushUndo(.movement(movement.key))
        }
        let onHand = try booked.onHandAfter ?? StockLedger.onHand(of: part.partNumber, in: db)
        let route = [fromBin, toBin].compactMap { $0 }.joined(separator: "→")
        feedback.message = "✓ \(kind.nameZh) \(part.partNumber) \(part.nameZh) ×\(quantity) \(route)，现有 \(onHand) / \(kind.rawValue) \(part.nameEn) ×\(quantity), on hand \(onHand)"
            + (trace.isEmpty ? "" : "\n" + trace.summary) + expiredWarning
            + (trace.readAs.map { "\n按 GS1 读取（无符号标识）/ read as GS1 (no symbology identifier): \($0)" } ?? "")
            + feedback.alerts.map { "\n⚠ \($0.message)" }.joined()
        if kind == .receive || kind == .return, !booked.arrivals.isEmpty {
            // The requests this receipt completed (StockLedger marked them at its time):
            // the clerk learns where to take the parts.
            // A cached statement: built through the query interface on every receipt, this
            // look-up cost as much as the movement's own commit (kioskd-bench, perf).
            let completed = try db.cachedStatement(sql: "SELECT * FROM parts_request WHERE clearedAt IS NULL AND arrivedAt = ? ORDER BY raisedAt")
            for request in try PartsRequest.fetchAll(completed, arguments: [StoredDate.text(scan.time)]) {
                let bay = request.bay ?? "—"
                let moved = try Workshop.lastMoveWasArrival(of: request.ticketCode, since: scan.time, in: db)
                feedback.message += "\n待料已到齐：送往 \(bay)（\(request.ticketCode)）/ parts for \(request.ticketCode) are all here: take them to \(bay)"
                    + (moved ? "；工单转为\(Workshop.stateAfterPartsArrive.nameZh) / the job moves to \(Workshop.stateAfterPartsArrive.nameEn)" : "")
            }
        }
        let low = StockAlert.levels(of: part, onHand: onHand)
        if !low.isEmpty {
            feedback.outcome = .acceptedLow
            if feedback.alerts.isEmpty {
                // Alerts already standing: say them again, with today's figures.
                feedback.message += low.map { level in
                    "\n⚠ " + StockAlert(id: nil, partNumber: part.partNumber, level: level, onHand: onHand,
                                         threshold: level == .belowSafetyStock ? part.safetyStock : part.reorderPoint,
                                         movementKey: scan.id, raisedAt: scan.time).message
                }.joined()
            }
        }
    }

    /// Resolves the scan; `facts` is set to the part's ``StockLedger/MovementFacts`` when it
    /// names a part (read with it).
    func resolve(_ scan: ScanEvent, in db: Database, facts: inout StockLedger.MovementFacts?) throws -> ResolvedScan {
        func part(forCode code: String) throws -> Part? {
            guard let found = try Catalog.partWithFacts(forCode: code, in: db) else { return nil }
            facts = found.facts
            return found.part
        }
        switch ScanClassifier.classify(scan.text) {
        case .command(let c): return .command(c)
        case .workOrder(let wo):
            do {
                let state = try Workshop.requireOrder(wo, in: db)
                return state.isOpen ? .workOrder(wo) : .closedWorkOrder(wo, reason: WorkshopError.workOrderClosed(wo, state: state).description)
            } catch { return .wrongOrder(error.description) }
        case .badge(let b):
            if let signedIn = scan.actor {
                return .malformed("已在页面上以 \(signedIn) 登录，工牌码在此无效 / signed in on this page as \(signedIn): a badge code typed or sent here cannot make \(b) the actor (scan the badge with the counter's scanner)")
            }
            return .badge(b)
        case .appointment(let code): return .appointment(code)
        case .purchaseOrder(let number): return .purchaseOrder(number)
        case .malformed(let reason): return .malformed(reason)
        case .bin(let code):
            return try StockLedger.binExists(code, in: db) ? .bin(code) : .malformed(StockError.unknownBin(code).description)
        case .gs1(let gs1):
            // A code read as GS1 only by its digits (no identifier, no brackets) that is also
            // a registered part code is that part: the store's own catalogue wins.
            if gs1.reading == .unprefixed, let part = try part(forCode: scan.text) {
                return .part(part, codeQuantity: nil)
            }
            // A carton between the chain's stores, by its SSCC label.
            if let sscc = gs1.sscc {
                if let transfer = try StoreTransfer.fetchOne(db, key: sscc) { return .carton(transfer) }
                if gs1.gtin == nil { return .sscc(sscc) }
            }
            guard let gtin = gs1.gtin else {
                return .malformed("GS1 码中没有 GTIN (01)：无法确定配件 / GS1 code without a GTIN (01): cannot tell which part")
            }
            guard let part = try part(forCode: gtin) else {
                return .malformed("GTIN \(gtin) 未登记到任何配件 / GTIN \(gtin) is not registered to a part")
            }
            return .part(part, codeQuantity: gs1.count, trace: ItemTrace(gs1))
        case .code(let text):
            if let part = try part(forCode: text) { return .part(part, codeQuantity: nil) }
            if try StockLedger.binExists(text, in: db) { return .bin(text) }
            if Self.looksLikeVIN(text) {
                do { return .vehicle(try VIN.parse(text)) } catch { return .malformed(error.description) }
            }
            return .unknown(text)
        }
    }

    /// 17 letters and digits (18 with the import `I` in front): read as a VIN, so that a
    /// misread VIN gets the VIN's own error (which position, which check digit).
    static func looksLikeVIN(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespaces)
        let count = t.count
        guard count == 17 || (count == 18 && t.uppercased().hasPrefix("I")) else { return false }
        return t.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// The saved session, read by any connection in any transaction.
    private func loadSession(in db: Database) throws -> CounterSession {
        try storedSession(in: db, cached: sessionCache.entry)?.session ?? CounterSession()
    }

    /// The session row's text and value; the text is usually what this counter wrote last
    /// (`cached`), whose value is taken without decoding it again.
    private func storedSession(in db: Database, cached: SessionCache.Entry?) throws -> (json: String, session: CounterSession)? {
        guard let json = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM counter_session WHERE deviceID = ?"), arguments: [deviceID]) else {
            return nil
        }
        if let cached, cached.json == json { return (json, cached.session) }
        return (json, try JSONDecoder().decode(CounterSession.self, from: Data(json.utf8)))
    }

    /// The saved session, in a scan's write transaction: what this counter committed last,
    /// without reading it, unless a commit to the store (anyone's) has come since.
    private func loadSessionForScan(in db: Database) throws -> CounterSession {
        let version = Self.writerVersion(of: db)
        let savePending = sessionCache.savePending
        let cached = savePending ? nil : sessionCache.entry
        if let cached, let version, cached.writerVersion == version { return cached.session }
        guard let (json, session) = try storedSession(in: db, cached: cached) else { return CounterSession() }
        // What the store held when this transaction began (nothing saved in it yet), whether
        // it commits or not: a rollback leaves the version as it is, a commit replaces this.
        if !savePending { sessionCache.entry = SessionCache.Entry(json: json, session: session, writerVersion: version) }
        return session
    }

    /// The connection's data version, ``SessionCache/Entry/writerVersion``.
    static func writerVersion(of db: Database) -> UInt32? {
        var version: UInt32 = 0
        return sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_DATA_VERSION, &version) == SQLITE_OK ? version : nil
    }

    private func saveSession(_ session: CounterSession, in db: Database) throws {
        let json = session.storedJSON
        try db.cachedStatement(sql: """
            INSERT INTO counter_session (deviceID, state) VALUES (?, ?)
            ON CONFLICT (deviceID) DO UPDATE SET state = excluded.state
            """).execute { p in p.bind(deviceID); p.bind(json) }
        // Cached only once the transaction commits; a rolled-back session must not be served.
        // The version is read right after the commit, before this connection begins another
        // transaction: it is this commit's, whatever others commit meanwhile (the writer sees
        // their commits when its next transaction begins, and its version moves then).
        sessionCache.saved(json, session, in: db)
    }
}

/// An error that refuses one scan and is shown to the clerk, leaving everything unchanged.
public protocol ScanRefusal: Error, CustomStringConvertible {
    /// How the lamp and buzzer show it; ``ScanOutcome/refused`` unless the refusal is about
    /// the wrong part or work order.
    var outcome: ScanOutcome { get }
}

extension ScanRefusal {
    public var outcome: ScanOutcome { .refused }
}

extension StockError: ScanRefusal {
    public var outcome: ScanOutcome {
        switch self {
        case .returnExceedsIssued, .workOrderRequired: .wrong
        case .unknownPart, .unknownBin: .unknownCode
        default: .refused
        }
    }
}
extension StocktakeError: ScanRefusal {}
extension CatalogError: ScanRefusal {}
extension WorkshopError: ScanRefusal {
    public var outcome: ScanOutcome {
        switch self {
        case .unknownWorkOrder, .workOrderClosed: .wrong
        case .unknownTechnician, .unknownAppointment: .unknownCode
        default: .refused
        }
    }
}
extension YardError: ScanRefusal {}

/// A refusal decided by the session itself, with no store error behind it.
struct SessionRefusal: ScanRefusal {
    let description: String
    let outcome: ScanOutcome
}
