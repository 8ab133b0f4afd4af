import Foundation
import GRDB

/// One line of a purchase order: a part, how many were ordered, and the price agreed (fen).
public struct OrderLine: Codable, Sendable, Hashable {
    public var partNumber: String
    public var ordered: Int
    public var unitPriceFen: Int?
    public init(partNumber: String, ordered: Int, unitPriceFen: Int? = nil) {
        (self.partNumber, self.ordered, self.unitPriceFen) = (partNumber, ordered, unitPriceFen)
    }

    /// Reads `PART:QTY[:PRICE]` as typed at the hub (`15400-RTA-003:10:68.50`); nil when it is not that shape.
    public init?(argument: String) {
        let pieces = argument.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (2...3).contains(pieces.count), !pieces[0].isEmpty, let ordered = Int(pieces[1]) else { return nil }
        var price: Int?
        if pieces.count == 3 {
            guard let fen = QuoteLine.fen(fromYuan: pieces[2]) else { return nil }
            price = fen
        }
        self.init(partNumber: pieces[0], ordered: ordered, unitPriceFen: price)
    }
}

/// 采购单: what the store ordered from a supplier, line by line. Made at the hub (by the
/// parts manager, or from the store's ERP through the API) and pulled by the counters, which
/// receive the supplier's deliveries against it.
public struct PurchaseOrder: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "purchase_order"

    public enum Status: String, Codable, Sendable, Hashable {
        /// Lines remain to be delivered.
        case open
        /// Every line came in full.
        case received
        case cancelled
    }

    /// The order's number (the ERP's, or kioskd's `PO-yyyyMMdd-n`): its code is `KD:PO:<number>`.
    public var number: String
    public var supplier: String
    /// The day the supplier said it would deliver (`yyyy-MM-dd`).
    public var expectedOn: String?
    public var lines: [OrderLine]
    public var status: Status
    public var createdAt: Date
    public var createdBy: String

    public init(number: String, supplier: String, expectedOn: String? = nil, lines: [OrderLine], status: Status = .open,
                createdAt: Date = Date(), createdBy: String) {
        (self.number, self.supplier, self.expectedOn, self.lines) = (number, supplier, expectedOn, lines)
        (self.status, self.createdAt, self.createdBy) = (status, createdAt, createdBy)
    }

    /// The barcode on the order's sheet, which opens a delivery at the counter.
    public var code: String { "KD:PO:" + number }

    /// The most lines one order has, and the most of one part it orders.
    public static let maxLines = 200, maxQuantity = 1_000_000
}

/// A supplier's delivery, received at one counter against one purchase order: opened by
/// scanning the order's code (and the delivery's SSCC, when its carton or pallet has one),
/// closed with CLOSE, which reports what is short, over and damaged.
public struct Delivery: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "delivery"
    public var id: UUID
    public var orderNumber: String
    /// The delivery's SSCC (GS1 AI 00): received once.
    public var sscc: String?
    public var openedAt: Date
    public var openedBy: String
    public var deviceID: String
    public var closedAt: Date?
}

/// One receipt scanned into a delivery: its stock movement, and how the part came.
public struct DeliveryLine: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "delivery_line"
    public enum Condition: String, Codable, Sendable, Hashable {
        /// On the order, in good condition: into stock.
        case ordered
        /// Not on the order, taken by the clerk as extra (EXTRA, then the part): into stock.
        case extra
        /// Damaged (DAMAGED, then the part): into the quarantine bin, not into stock.
        case damaged
    }
    public var movementKey: UUID
    public var deliveryID: UUID
    public var partNumber: String
    public var quantity: Int
    public var condition: Condition
}

/// A closed delivery with its lines, as it travels from the counter that received it to the
/// hub, and from the hub to the other counters (each store then counts the same deliveries).
public struct DeliveryFact: Codable, Sendable, Hashable {
    public var delivery: Delivery
    public var lines: [DeliveryLine]

    /// The delivery `id` with its lines, as this store holds it.
    static func fetch(_ id: UUID, in db: Database) throws -> DeliveryFact? {
        try Delivery.fetchOne(db, key: id).map { DeliveryFact(delivery: $0, lines: try DeliveryLine.filter(Column("deliveryID") == id).fetchAll(db)) }
    }
}

/// An order's line against what came in: every closed delivery, and the open one.
public struct DeliveryVariance: Codable, Sendable, Hashable {
    public var partNumber: String
    /// 0 for a part the order does not have (taken as extra).
    public var ordered: Int
    /// Received into stock (on the order, or extra).
    public var received: Int
    /// Received damaged, into quarantine.
    public var damaged: Int
    /// Still to come (short): ordered less received, at least 0.
    public var remaining: Int { max(0, ordered - received) }
    /// More than ordered (over).
    public var over: Int { max(0, received - ordered) }

    /// `P1 订 10 收 9 缺 1 · 损 1` / `ordered 10, received 9, short 1, damaged 1`.
    public var summary: String {
        var zh = "\(partNumber) 订 \(ordered) 收 \(received)", en = "\(partNumber) ordered \(ordered), received \(received)"
        if remaining > 0 { zh += " 缺 \(remaining)"; en += ", short \(remaining)" }
        if over > 0 { zh += " 多 \(over)"; en += ", over \(over)" }
        if damaged > 0 { zh += " 损 \(damaged)"; en += ", damaged \(damaged)" }
        return zh + " / " + en
    }
}

/// Why a purchase order or delivery was refused. Chinese first, English second.
public enum PurchasingError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    case unknownOrder(String)
    case orderExists(String)
    case orderNotOpen(String, PurchaseOrder.Status)
    case deliveryOpen(order: String)
    case noDeliveryOpen
    case notOnOrder(part: String, order: String)
    case ssccReceived(sscc: String, at: Date, order: String)
    case deliveryHasSSCC(String)
    case deliveryClosed

    public var description: String {
        switch self {
        case .invalid(let why): "采购单无效 / invalid purchase order: \(why)"
        case .unknownOrder(let n): "未知采购单 \(n)：请先同步，或核对单号 / no purchase order \(n) here: let the counter sync with the hub, or check the number"
        case .orderExists(let n): "采购单 \(n) 已存在，内容不同 / purchase order \(n) exists with other lines: give it another number"
        case let .orderNotOpen(n, status): "采购单 \(n) 已\(status == .received ? "收齐" : "取消")，不再收货 / purchase order \(n) is \(status.rawValue): nothing more is received against it"
        case .deliveryOpen(let n): "采购单 \(n) 的收货未结束：先扫结束码 / the delivery against \(n) is still open here: scan CLOSE first"
        case .noDeliveryOpen: "请先扫采购单条码开始收货 / scan the purchase order's code first to open a delivery"
        case let .notOnOrder(part, order): "\(part) 不在采购单 \(order) 上：如要收作多送，先扫「多送」码 / \(part) is not on order \(order): to take it as extra, scan EXTRA first"
        case let .ssccReceived(sscc, at, order): "SSCC \(sscc) 已于 \(StoredDate.text(at)) 收货（采购单 \(order)），不能重复收货 / SSCC \(sscc) was received at \(StoredDate.text(at)) against \(order): the same delivery cannot be received twice"
        case .deliveryHasSSCC(let sscc): "本次收货已有 SSCC \(sscc)：另一托请先结束本次收货 / this delivery has SSCC \(sscc) already: CLOSE it before the next pallet"
        case .deliveryClosed: "该收货已结束，不能撤销：请用库存调整或退货 / that delivery is closed: its receipts are not undone (use an adjustment or a return to the supplier)"
        }
    }
}

extension PurchasingError: ScanRefusal {
    public var outcome: ScanOutcome {
        switch self {
        case .unknownOrder: .unknownCode
        case .notOnOrder, .orderNotOpen: .wrong
        default: .refused
        }
    }
}

/// Purchase orders and deliveries, inside the caller's transaction.
public enum Purchasing {
    /// The bin damaged parts go into (隔离区): counted, not stock to issue.
    public static let quarantineBin = "QUARANTINE"

    /// Stores a new order, checked: a number of 1 to 40 letters, digits, `-` or `_`; a
    /// supplier; 1 to 200 lines of known parts, each once, 1 to 1,000,000 each. The same order
    /// again changes nothing (a retried request); another with the same number is refused.
    public static func create(_ order: PurchaseOrder, in db: Database) throws -> PurchaseOrder {
        let number = order.number
        guard (1...40).contains(number.utf8.count), number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw PurchasingError.invalid("单号为 1–40 个字母、数字、- 或 _ / the number must be 1 to 40 letters, digits, - or _ (got \"\(number.prefix(40))\")")
        }
        guard !order.supplier.trimmingWhitespace().isEmpty, order.supplier.count <= 200 else {
            throw PurchasingError.invalid("请填写供应商 / name the supplier (at most 200 characters)")
        }
        if let day = order.expectedOn, StoredDate.dayDate(day) == nil {
            throw PurchasingError.invalid("到货日期应为 yyyy-MM-dd / the expected day must be yyyy-MM-dd (got \"\(day.prefix(20))\")")
        }
        guard (1...PurchaseOrder.maxLines).contains(order.lines.count) else {
            throw PurchasingError.invalid("采购单须有 1–\(PurchaseOrder.maxLines) 行 / an order has 1 to \(PurchaseOrder.maxLines) lines (got \(order.lines.count))")
        }
        var seen = Set<String>()
        for line in order.lines {
            guard seen.insert(line.partNumber).inserted else { throw PurchasingError.invalid("\(line.partNumber) 出现两次 / \(line.partNumber) is on two lines: one line a part") }
            guard (1...PurchaseOrder.maxQuantity).contains(line.ordered) else {
                throw PurchasingError.invalid("\(line.partNumber) 数量应为 1–\(PurchaseOrder.maxQuantity) / order 1 to \(PurchaseOrder.maxQuantity) of \(line.partNumber) (got \(line.ordered))")
            }
            if let price = line.unitPriceFen, !(0...100_000_000_00).contains(price) { throw PurchasingError.invalid("\(line.partNumber) 单价无效 / bad price for \(line.partNumber)") }
            guard try Part.exists(db, key: line.partNumber) else { throw StockError.unknownPart(line.partNumber) }
        }
        if let existing = try PurchaseOrder.fetchOne(db, key: number) {
            guard existing.supplier == order.supplier, existing.lines == order.lines else { throw PurchasingError.orderExists(number) }
            return existing
        }
        try order.insert(db)
        return order
    }

    /// The next order number of the day at this store: `PO-yyyyMMdd-n`.
    public static func nextNumber(at time: Date, in db: Database) throws -> String {
        let prefix = "PO-" + StoredDate.day(time).replacingOccurrences(of: "-", with: "") + "-"
        let taken = try String.fetchAll(db, sql: "SELECT number FROM purchase_order WHERE number LIKE ? || '%'", arguments: [prefix])
        let highest = taken.compactMap { Int($0.dropFirst(prefix.count)) }.max() ?? 0
        return prefix + String(highest + 1)
    }

    /// Opens a delivery against an open order at this counter (`id`: the scan's).
    static func openDelivery(order number: String, sscc: String?, id: UUID, deviceID: String, actor: String, at time: Date,
                             in db: Database) throws -> Delivery {
        guard let order = try PurchaseOrder.fetchOne(db, key: number) else { throw PurchasingError.unknownOrder(number) }
        guard order.status == .open else { throw PurchasingError.orderNotOpen(number, order.status) }
        if let sscc { try requireNewSSCC(sscc, in: db) }
        let delivery = Delivery(id: id, orderNumber: number, sscc: sscc, openedAt: time, openedBy: actor, deviceID: deviceID, closedAt: nil)
        try delivery.insert(db)
        return delivery
    }

    /// Gives the open delivery its SSCC (the label on its pallet or carton).
    static func attachSSCC(_ sscc: String, to id: UUID, in db: Database) throws -> Delivery {
        guard var delivery = try Delivery.fetchOne(db, key: id), delivery.closedAt == nil else { throw PurchasingError.noDeliveryOpen }
        if let had = delivery.sscc {
            guard had == sscc else { throw PurchasingError.deliveryHasSSCC(had) }
            return delivery
        }
        try requireNewSSCC(sscc, in: db)
        delivery.sscc = sscc
        try delivery.update(db)
        return delivery
    }

    static func requireNewSSCC(_ sscc: String, in db: Database) throws {
        if let earlier = try Delivery.filter(Column("sscc") == sscc).fetchOne(db) {
            throw PurchasingError.ssccReceived(sscc: sscc, at: earlier.openedAt, order: earlier.orderNumber)
        }
    }

    /// Checks a part scanned into the open delivery: on its order, or taken as extra or damaged.
    static func checkReceipt(of part: String, condition: DeliveryLine.Condition, into id: UUID, in db: Database) throws -> Delivery {
        guard let delivery = try Delivery.fetchOne(db, key: id), delivery.closedAt == nil else { throw PurchasingError.noDeliveryOpen }
        guard let order = try PurchaseOrder.fetchOne(db, key: delivery.orderNumber) else { throw PurchasingError.unknownOrder(delivery.orderNumber) }
        guard order.status != .cancelled else { throw PurchasingError.orderNotOpen(order.number, order.status) }
        if condition == .ordered, !order.lines.contains(where: { $0.partNumber == part }) {
            throw PurchasingError.notOnOrder(part: part, order: order.number)
        }
        return delivery
    }

    /// Tells the store's other systems that a delivery was received, with its lines, once
    /// (where it was closed, and at the hub that learns it).
    static func tellUpstream(_ id: UUID, in db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO upstream_event (id, type, subject, time, data)
            SELECT 'delivery-' || lower(hex(d.id)) || '-closed', 'cn.kioskd.purchase.delivery_closed', d.orderNumber, d.closedAt,
                   json_object('order', d.orderNumber, 'sscc', d.sscc, 'at', strftime('%Y-%m-%dT%H:%M:%fZ', d.closedAt),
                               'lines', (SELECT json_group_array(json_object('partNumber', partNumber, 'quantity', quantity, 'condition', condition))
                                         FROM delivery_line WHERE deliveryID = d.id))
            FROM delivery d WHERE d.id = ? AND d.closedAt IS NOT NULL AND EXISTS (SELECT 1 FROM webhook_endpoint)
            """, arguments: [id])
    }

    /// Every line of the order against what its deliveries brought (closed ones, and any open
    /// here), then the extras not on the order.
    public static func variance(of number: String, in db: Database) throws -> [DeliveryVariance] {
        guard let order = try PurchaseOrder.fetchOne(db, key: number) else { throw PurchasingError.unknownOrder(number) }
        var lines = order.lines.map { DeliveryVariance(partNumber: $0.partNumber, ordered: $0.ordered, received: 0, damaged: 0) }
        let rows = try Row.fetchAll(db, sql: """
            SELECT l.partNumber, l.condition, SUM(l.quantity) AS quantity FROM delivery_line l JOIN delivery d ON d.id = l.deliveryID
            WHERE d.orderNumber = ? GROUP BY l.partNumber, l.condition
            """, arguments: [number])
        for row in rows {
            let part: String = row["partNumber"], quantity: Int = row["quantity"]
            let index = lines.firstIndex { $0.partNumber == part } ?? {
                lines.append(DeliveryVariance(partNumber: part, ordered: 0, received: 0, damaged: 0))
                return lines.count - 1
            }()
            if row["condition"] == DeliveryLine.Condition.damaged.rawValue { lines[index].damaged += quantity } else { lines[index].received += quantity }
        }
        return lines
    }

    /// Closes the delivery: the order is received when nothing remains. Returns the variance.
    static func close(_ id: UUID, at time: Date, in db: Database) throws -> (delivery: Delivery, variance: [DeliveryVariance]) {
        guard var delivery = try Delivery.fetchOne(db, key: id), delivery.closedAt == nil else { throw PurchasingError.noDeliveryOpen }
        delivery.closedAt = time
        try delivery.update(db)
        let variance = try variance(of: delivery.orderNumber, in: db)
        try settle(delivery.orderNumber, in: db)
        try tellUpstream(id, in: db)
        // Its summary for the driver and the file, on the counter's receipt printer.
        if let printer = try KioskMeta.value("slip_printer", in: db) {
            var job = PrintJob(key: UUID(), printer: printer, kind: .delivery, subjects: [id.uuidString], requestedBy: delivery.openedBy, at: time)
            try job.insert(db)
        }
        return (delivery, variance)
    }

    /// An open order whose every line came in full becomes received.
    static func settle(_ number: String, in db: Database) throws {
        guard var order = try PurchaseOrder.fetchOne(db, key: number), order.status == .open else { return }
        if try variance(of: number, in: db).allSatisfy({ $0.remaining == 0 }) {
            order.status = .received
            try order.update(db)
        }
    }

    /// Refuses a delivery a counter pushed unless each of its lines is a receipt that counter
    /// booked (the movement under the line's key, at the hub already: movements travel first),
    /// of that part and quantity, into quarantine exactly when damaged.
    static func checkPushed(_ fact: DeliveryFact, from deviceID: String, in db: Database) throws {
        guard fact.delivery.deviceID == deviceID else {
            throw PurchasingError.invalid("收货记录属于设备 \(fact.delivery.deviceID) / the delivery names device \(fact.delivery.deviceID), not \(deviceID)")
        }
        for line in fact.lines {
            guard let m = try StockMovement.filter(Column("key") == line.movementKey).fetchOne(db), m.kind == .receive, m.deviceID == deviceID,
                  m.partNumber == line.partNumber, m.quantity == line.quantity, (m.toBin == quarantineBin) == (line.condition == .damaged),
                  m.recordedAt >= fact.delivery.openedAt, m.recordedAt <= fact.delivery.closedAt ?? m.recordedAt,
                  try StockMovement.filter(Column("reverses") == m.key).fetchCount(db) == 0 else {
                throw PurchasingError.invalid("收货行 \(line.partNumber) ×\(line.quantity) 没有对应的入库记录 / the line \(line.partNumber) ×\(line.quantity) is no receipt of \(deviceID)")
            }
        }
    }

    /// A closed delivery from another counter (through the hub), with its lines, once.
    static func learn(_ fact: DeliveryFact, in db: Database) throws {
        guard fact.delivery.closedAt != nil, try !Delivery.exists(db, key: fact.delivery.id) else { return }
        var delivery = fact.delivery
        // Two counters that took the same pallet offline: the stock is each one's, the SSCC the first's.
        if let sscc = delivery.sscc, try Delivery.filter(Column("sscc") == sscc).fetchCount(db) > 0 { delivery.sscc = nil }
        try delivery.insert(db)
        for line in fact.lines where line.deliveryID == delivery.id { try line.insert(db, onConflict: .ignore) }
        try settle(delivery.orderNumber, in: db)
        try tellUpstream(delivery.id, in: db)
    }
}

/// Parts sent back to the supplier (退货): damaged or wrong, out of quarantine or stock.
public struct SupplierReturn: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "supplier_return"
    public var movementKey: UUID
    public var supplier: String
    public var orderNumber: String?
    public var partNumber: String
    public var quantity: Int
    public var fromBin: String
    public var reason: String
    public var at: Date
    public var actor: String
}

extension Purchasing {
    /// Sends `quantity` of a part back to `supplier` out of `bin` (quarantine by default), with
    /// the reason, against an order when given; the same key again is the same return.
    public static func returnToSupplier(partNumber: String, quantity: Int, bin: String?, supplier: String, order: String?, reason: String,
                                        key: UUID, deviceID: String, actor: String, at time: Date, in db: Database) throws -> SupplierReturn {
        if let done = try SupplierReturn.fetchOne(db, key: key) { return done }
        guard !supplier.trimmingWhitespace().isEmpty else { throw PurchasingError.invalid("请填写供应商 / name the supplier the parts go back to") }
        guard !reason.trimmingWhitespace().isEmpty else { throw StockError.reasonRequired }
        if let order, try !PurchaseOrder.exists(db, key: order) { throw PurchasingError.unknownOrder(order) }
        let from = bin ?? quarantineBin
        let outcome = try StockLedger.record(MovementDraft(key: key, kind: .supplierReturn, partNumber: partNumber, quantity: quantity, fromBin: from,
                                                           reason: "退 \(supplier)\(order.map { " (\($0))" } ?? ""): \(reason)", deviceID: deviceID,
                                                           actor: actor, recordedAt: time), allowNegativeStock: false, in: db)
        guard case .recorded = outcome else { throw TransferError.keyInUse(key) }
        let returned = SupplierReturn(movementKey: key, supplier: supplier, orderNumber: order, partNumber: partNumber, quantity: quantity,
                                      fromBin: from, reason: reason, at: time, actor: actor)
        try returned.insert(db)
        try AuditLog.record(.stockReturnedToSupplier, actor: actor,
                            detail: "\(partNumber) ×\(quantity) \(from) → \(supplier)\(order.map { " (\($0))" } ?? ""): \(reason)", at: time, in: db)
        return returned
    }
}

/// A part at or below its reorder point, counting what is on order: how many to order.
public struct ReorderSuggestion: Codable, Sendable, Hashable {
    public var partNumber: String
    public var nameZh: String
    /// nil: the part has no supplier in the catalogue (order it by hand).
    public var supplier: String?
    /// In stock, quarantine left out.
    public var onHand: Int
    /// Still to come on open orders.
    public var onOrder: Int
    public var reorderPoint: Int
    public var target: Int
    public var packSize: Int
    /// What to order: up to the target, in whole packs.
    public var quantity: Int
}

extension Purchasing {
    /// Every part whose stock plus what is on order has fallen to its reorder point, with the
    /// quantity that fills it up to its target (twice the reorder point when none is set),
    /// rounded up to whole packs; by supplier, then part.
    public static func suggestions(in db: Database) throws -> [ReorderSuggestion] {
        var onOrder: [String: Int] = [:]
        for order in try PurchaseOrder.filter(Column("status") == PurchaseOrder.Status.open.rawValue).fetchAll(db) {
            for line in try variance(of: order.number, in: db) where line.remaining > 0 { onOrder[line.partNumber, default: 0] += line.remaining }
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT p.*, COALESCE((SELECT SUM(quantity) FROM stock_balance b WHERE b.partNumber = p.partNumber AND b.binCode != ?), 0) AS onHand
            FROM part p WHERE p.reorderPoint > 0
            """, arguments: [quarantineBin])
        return try rows.compactMap { row -> ReorderSuggestion? in
            let part = try Part(row: row)
            let onHand: Int = row["onHand"], coming = onOrder[part.partNumber] ?? 0
            guard onHand + coming <= part.reorderPoint else { return nil }
            let target = part.reorderTarget > 0 ? part.reorderTarget : part.reorderPoint * 2
            let pack = max(1, part.packSize)
            let need = max(1, target - onHand - coming)
            return ReorderSuggestion(partNumber: part.partNumber, nameZh: part.nameZh, supplier: part.supplier, onHand: onHand, onOrder: coming,
                                     reorderPoint: part.reorderPoint, target: target, packSize: pack, quantity: (need + pack - 1) / pack * pack)
        }.sorted { ($0.supplier ?? "\u{10FFFF}", $0.partNumber) < ($1.supplier ?? "\u{10FFFF}", $1.partNumber) }
    }
}

/// Purchase orders and deliveries, each call its own transaction (the commands and the API).
public struct PurchasingBook: Sendable {
    let database: KioskDatabase

    /// ``Purchasing/create(_:in:)``, numbered `PO-yyyyMMdd-n` when `number` is nil.
    public func create(number: String?, supplier: String, expectedOn: String?, lines: [OrderLine], actor: String, at time: Date = Date()) throws -> PurchaseOrder {
        try database.pool.write { db in
            let number = try number ?? Purchasing.nextNumber(at: time, in: db)
            return try Purchasing.create(PurchaseOrder(number: number, supplier: supplier, expectedOn: expectedOn, lines: lines,
                                                       createdAt: time, createdBy: actor), in: db)
        }
    }

    public func order(_ number: String) throws -> PurchaseOrder? {
        try database.pool.read { try PurchaseOrder.fetchOne($0, key: number) }
    }

    /// Orders, open first, newest first.
    public func orders(limit: Int = 200) throws -> [PurchaseOrder] {
        try database.pool.read { try PurchaseOrder.order(sql: "status != 'open', createdAt DESC").limit(limit).fetchAll($0) }
    }

    public func variance(of number: String) throws -> [DeliveryVariance] {
        try database.pool.read { try Purchasing.variance(of: number, in: $0) }
    }

    public func deliveries(of number: String) throws -> [Delivery] {
        try database.pool.read { try Delivery.filter(Column("orderNumber") == number).order(Column("openedAt")).fetchAll($0) }
    }

    /// ``Purchasing/returnToSupplier(partNumber:quantity:bin:supplier:order:reason:key:deviceID:actor:at:in:)`` in one transaction.
    public func returnToSupplier(partNumber: String, quantity: Int, bin: String?, supplier: String, order: String?, reason: String,
                                 key: UUID = UUID(), deviceID: String, actor: String) throws -> SupplierReturn {
        try database.pool.write { db in
            try Purchasing.returnToSupplier(partNumber: partNumber, quantity: quantity, bin: bin, supplier: supplier, order: order, reason: reason,
                                            key: key, deviceID: deviceID, actor: actor, at: Date(), in: db)
        }
    }

    /// What to reorder now (``Purchasing/suggestions(in:)``).
    public func suggestions() throws -> [ReorderSuggestion] {
        try database.pool.read { try Purchasing.suggestions(in: $0) }
    }

    /// Confirms the suggestions for `supplier` into one purchase order (at the unit costs the
    /// catalogue knows); nil when there is nothing to order from it.
    public func confirmSuggestions(for supplier: String, expectedOn: String? = nil, actor: String, at time: Date = Date()) throws -> PurchaseOrder? {
        try database.pool.write { db in
            let lines = try Purchasing.suggestions(in: db).filter { $0.supplier == supplier }.map { s in
                OrderLine(partNumber: s.partNumber, ordered: s.quantity, unitPriceFen: try Part.fetchOne(db, key: s.partNumber)?.unitCost)
            }
            guard !lines.isEmpty else { return nil }
            return try Purchasing.create(PurchaseOrder(number: try Purchasing.nextNumber(at: time, in: db), supplier: supplier, expectedOn: expectedOn,
                                                       lines: lines, createdAt: time, createdBy: actor), in: db)
        }
    }

    /// Cancels an open order: nothing more is received against it.
    public func cancel(_ number: String, actor: String) throws {
        try database.pool.write { db in
            guard var order = try PurchaseOrder.fetchOne(db, key: number) else { throw PurchasingError.unknownOrder(number) }
            guard order.status == .open else { throw PurchasingError.orderNotOpen(number, order.status) }
            order.status = .cancelled
            try order.update(db)
            try AuditLog.record(.purchaseOrderCancelled, actor: actor, detail: number, at: Date(), in: db)
        }
    }
}

extension KioskDatabase {
    /// Purchase orders and the deliveries received against them.
    public var purchasing: PurchasingBook { PurchasingBook(database: self) }
}
