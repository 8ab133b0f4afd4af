import Foundation
import GRDB

/// 调拨: a carton of one part shipped from one store of the chain to another, under its SSCC
/// (GS1 AI 00, printed on the carton's label).
///
/// A transfer is a pair of movements: shipped (``MovementKind/transferOut``) at the store it
/// leaves and received (``MovementKind/transferIn``) at the store it goes to; between the two
/// its quantity is in transit, in neither store's bins. The chain's ledger keeps each carton
/// once, by its SSCC: it is received once, at the store it was sent to. Each store (and each
/// of its boards) holds the transfers it ships and the ones coming to it, as its hub learns
/// them from the ledger.
public struct StoreTransfer: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "store_transfer"

    /// The carton's Serial Shipping Container Code: 18 digits with a GS1 check digit.
    public var sscc: String
    public var fromStore: String
    public var toStore: String
    /// Whether the carton comes to this store (false: this store shipped it).
    public var incoming: Bool
    public var partNumber: String
    public var quantity: Int
    /// The bin it left at the shipping store.
    public var fromBin: String
    public var shippedAt: Date
    public var shippedBy: String
    public var shipMovementKey: UUID
    public var receivedAt: Date?
    public var receivedBy: String?
    /// The bin it went into at the receiving store.
    public var toBin: String?
    public var receiveMovementKey: UUID?

    public init(sscc: String, fromStore: String, toStore: String, incoming: Bool, partNumber: String, quantity: Int, fromBin: String,
                shippedAt: Date, shippedBy: String, shipMovementKey: UUID, receivedAt: Date? = nil, receivedBy: String? = nil,
                toBin: String? = nil, receiveMovementKey: UUID? = nil) {
        (self.sscc, self.fromStore, self.toStore, self.incoming) = (sscc, fromStore, toStore, incoming)
        (self.partNumber, self.quantity, self.fromBin) = (partNumber, quantity, fromBin)
        (self.shippedAt, self.shippedBy, self.shipMovementKey) = (shippedAt, shippedBy, shipMovementKey)
        (self.receivedAt, self.receivedBy, self.toBin, self.receiveMovementKey) = (receivedAt, receivedBy, toBin, receiveMovementKey)
    }

    /// The same carton in the same state, times compared as the store keeps them (to the
    /// millisecond: the ledger keeps microseconds).
    func sameAs(_ other: StoreTransfer) -> Bool {
        var (a, b) = (self, other)
        (a.shippedAt, b.shippedAt, a.receivedAt, b.receivedAt) = (.distantPast, .distantPast, nil, nil)
        return a == b && StoredDate.text(shippedAt) == StoredDate.text(other.shippedAt)
            && receivedAt.map(StoredDate.text) == other.receivedAt.map(StoredDate.text)
    }

    /// Shipped and not yet received.
    public var inTransit: Bool { receiveMovementKey == nil }

    /// Refuses a receipt (under movement `key`) of a carton that does not come here, or that
    /// another movement received already.
    func checkReceivable(by key: UUID) throws(TransferError) {
        guard incoming else { throw .notForThisStore(sscc: sscc, toStore: toStore) }
        if let received = receiveMovementKey, received != key {
            throw .alreadyReceived(sscc: sscc, at: receivedAt ?? shippedAt, by: receivedBy ?? "?")
        }
    }

    /// The day it was shipped (`yyyy-MM-dd`, this board's clock), as its label says.
    public var shippedDay: String { StoredDate.day(shippedAt) }

    /// The carton's label code: GS1-128 element string `(00)` + SSCC.
    public var labelCode: String { "(00)" + sscc }
}

/// Why a transfer cannot be shipped or received. Chinese first, English second.
public enum TransferError: Error, Sendable, Hashable, CustomStringConvertible {
    case noChain
    case sameStore(String)
    case unknownStore(String, known: [String])
    case badCompanyPrefix(String)
    case serialsExhausted(prefix: String)
    case unknownCarton(String)
    case notForThisStore(sscc: String, toStore: String)
    case alreadyReceived(sscc: String, at: Date, by: String)
    case wholeCartonOnly(String)
    case boardCannotShip
    case noBin(part: String)
    case cartonMismatch(String)
    case ssccTaken(String)
    case keyInUse(UUID)

    public var description: String {
        switch self {
        case .noChain:
            "调拨需要连锁账本 / a transfer to a sister store needs the chain's ledger: ship from a hub with [hub] ledger (the stores' shared PostgreSQL)"
        case .sameStore(let store):
            "不能调拨给本店 \(store) / \(store) is this store: a transfer goes to a sister store (to move between bins, use 移库 transfer)"
        case let .unknownStore(store, known):
            "连锁中没有门店 \(store) / no store \(store) in the chain's ledger; the stores are: \(known.isEmpty ? "none yet" : known.joined(separator: ", "))"
        case .badCompanyPrefix(let prefix):
            "GS1 厂商识别代码无效 / [hub] gs1_company_prefix \"\(prefix)\" must be the store's GS1 company prefix, 7 to 10 digits (SSCC labels carry it)"
        case .serialsExhausted(let prefix):
            "SSCC 序号已用完 / no SSCC serial numbers left under company prefix \(prefix): set a longer-lived prefix"
        case .unknownCarton(let sscc):
            "未知的调拨箱 SSCC \(sscc)：本店没有这箱货的调拨记录（请先同步，或该箱发往其他门店）/ no transfer with SSCC \(sscc) has reached this counter: let it sync with the hub, or the carton was sent to another store"
        case let .notForThisStore(sscc, toStore):
            "SSCC \(sscc) 是本店发往 \(toStore) 的调拨箱，不能在本店收货 / SSCC \(sscc) is a carton this store shipped to \(toStore): it is received there"
        case let .alreadyReceived(sscc, at, by):
            "调拨箱 SSCC \(sscc) 已于 \(StoredDate.text(at)) 由 \(by) 收货，不能重复收货 / carton \(sscc) was received at \(StoredDate.text(at)) by \(by): it cannot be received twice"
        case .wholeCartonOnly(let sscc):
            "调拨箱整箱收货，不能输入数量 / carton \(sscc) is received whole: scan it without a quantity"
        case .boardCannotShip:
            "调拨发货只能在门店主机上进行 / a board cannot ship to another store: ship from the store's hub (it allocates the SSCC in the chain's ledger)"
        case .noBin(let part):
            "请先扫描库位（\(part) 没有默认库位）/ scan a bin first (\(part) has no default bin)"
        case .cartonMismatch(let sscc):
            "调拨箱 \(sscc) 的配件或数量与记录不符 / carton \(sscc): the part or quantity does not match the carton the chain's ledger holds"
        case .ssccTaken(let sscc):
            "SSCC \(sscc) 已用于另一箱 / SSCC \(sscc) is another carton's: each carton gets its own from the chain's ledger"
        case .keyInUse(let key):
            "编号 \(key) 已用于另一笔库存移动 / key \(key) is another movement's: send a new key to ship a new carton"
        }
    }
}

extension TransferError: ScanRefusal {
    public var outcome: ScanOutcome {
        switch self {
        case .unknownCarton: .unknownCode
        case .notForThisStore, .wholeCartonOnly, .cartonMismatch: .wrong
        default: .refused
        }
    }
}

/// Serial Shipping Container Codes.
public enum SSCC {
    /// `extension digit + company prefix + serial reference + check digit`, 18 digits; the
    /// serial reference is `serial` in the digits the prefix leaves (9 to 6).
    public static func make(companyPrefix: String, serial: Int64, extensionDigit: Int = 0) throws(TransferError) -> String {
        guard isValidPrefix(companyPrefix) else { throw .badCompanyPrefix(companyPrefix) }
        let width = 16 - companyPrefix.utf8.count
        var limit: Int64 = 1
        for _ in 0..<width { limit *= 10 }
        guard serial >= 0, serial < limit else { throw .serialsExhausted(prefix: companyPrefix) }
        let digits = String(serial)
        let body = String(extensionDigit) + companyPrefix + String(repeating: "0", count: width - digits.count) + digits
        return body + String(GS1CheckDigit.compute(for: body))
    }

    /// Whether `prefix` can be a GS1 company prefix in an SSCC: 7 to 10 digits.
    public static func isValidPrefix(_ prefix: String) -> Bool {
        (7...10).contains(prefix.utf8.count) && prefix.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// Whether `text` is 18 digits with a valid GS1 check digit.
    public static func isValid(_ text: String) -> Bool { text.utf8.count == 18 && GS1CheckDigit.isValid(text) }
}

/// The transfers of this store: shipping, receiving, and what the hub learns from the ledger.
public enum Transfers {
    /// Ships `quantity` of a part from `bin` (its default bin when nil) under `sscc`: the
    /// movement out and the transfer, in the caller's transaction. Shipping the same key again
    /// returns the transfer it shipped. Stock may not go below zero.
    public static func ship(sscc: String, from fromStore: String, to toStore: String, partNumber: String, quantity: Int, bin: String?,
                            key: UUID, deviceID: String, actor: String, at time: Date, in db: Database) throws -> StoreTransfer {
        if let shipped = try StoreTransfer.filter(Column("shipMovementKey") == key).fetchOne(db) { return shipped }
        guard fromStore != toStore else { throw TransferError.sameStore(toStore) }
        guard let part = try Part.fetchOne(db, key: partNumber) else { throw StockError.unknownPart(partNumber) }
        guard let bin = bin ?? part.defaultBin else { throw TransferError.noBin(part: partNumber) }
        guard try StoreTransfer.fetchOne(db, key: sscc) == nil else { throw TransferError.ssccTaken(sscc) }
        let transfer = StoreTransfer(sscc: sscc, fromStore: fromStore, toStore: toStore, incoming: false, partNumber: partNumber,
                                     quantity: quantity, fromBin: bin, shippedAt: time, shippedBy: actor, shipMovementKey: key)
        // The transfer first: the outbox reads it with the movement's event.
        try transfer.insert(db)
        let outcome = try StockLedger.record(MovementDraft(key: key, kind: .transferOut, partNumber: partNumber, quantity: quantity, fromBin: bin,
                                                           reason: "调拨 transfer \(sscc) → \(toStore)", deviceID: deviceID, actor: actor, recordedAt: time),
                                             allowNegativeStock: false, printsSlips: false, in: db)
        // A key another movement has already: nothing leaves (the caller's transaction rolls back).
        guard case .recorded = outcome else { throw TransferError.keyInUse(key) }
        return transfer
    }

    /// Receives the carton `sscc` whole into `bin` (the part's default bin when nil), in the
    /// caller's transaction: the movement in, and the transfer marked received.
    public static func receive(_ sscc: String, into bin: String?, key: UUID, deviceID: String, actor: String, at time: Date,
                               in db: Database) throws -> (transfer: StoreTransfer, outcome: MovementOutcome) {
        guard var transfer = try StoreTransfer.fetchOne(db, key: sscc) else { throw TransferError.unknownCarton(sscc) }
        try transfer.checkReceivable(by: key)
        guard let part = try Part.fetchOne(db, key: transfer.partNumber) else { throw StockError.unknownPart(transfer.partNumber) }
        guard let bin = bin ?? part.defaultBin else { throw TransferError.noBin(part: transfer.partNumber) }
        let outcome = try StockLedger.record(MovementDraft(key: key, kind: .transferIn, partNumber: transfer.partNumber, quantity: transfer.quantity,
                                                           toBin: bin, reason: "调拨 transfer \(sscc) ← \(transfer.fromStore)", scanText: transfer.labelCode,
                                                           deviceID: deviceID, actor: actor, recordedAt: time),
                                             allowNegativeStock: true, in: db)
        guard case .recorded = outcome else { throw TransferError.keyInUse(key) }
        (transfer.receivedAt, transfer.receivedBy, transfer.toBin, transfer.receiveMovementKey) = (time, actor, bin, key)
        try transfer.update(db)
        return (transfer, outcome)
    }

    /// A hub applying a movement of a transfer: a board's receipt marks the carton received,
    /// once; only the hub itself ships (`own`). `decided`: the chain's ledger decided it already
    /// (a store catching up, or rebuilt, from the ledger): the carton is taken from the event
    /// when this store does not hold it, and the movement always stands.
    static func apply(_ movement: StockMovement, carton: StoreTransfer?, own: Bool, decided: Bool, in db: Database) throws {
        guard movement.kind == .transferIn || movement.kind == .transferOut else { return }
        guard let carton else { throw TransferError.unknownCarton("?") }
        var transfer = try StoreTransfer.fetchOne(db, key: carton.sscc)
        if transfer == nil, decided {
            var learned = carton
            (learned.receivedAt, learned.receivedBy, learned.toBin, learned.receiveMovementKey) = (nil, nil, nil, nil)
            try learned.insert(db)
            transfer = learned
        }
        guard var transfer else { throw TransferError.unknownCarton(carton.sscc) }
        guard transfer.partNumber == movement.partNumber, transfer.quantity == movement.quantity else {
            if decided { return }
            throw TransferError.cartonMismatch(carton.sscc)
        }
        switch movement.kind {
        case .transferIn:
            if !decided { try transfer.checkReceivable(by: movement.key) }
            (transfer.receivedAt, transfer.receivedBy, transfer.toBin, transfer.receiveMovementKey) =
                (movement.recordedAt, movement.actor, movement.toBin, movement.key)
            try transfer.update(db)
        default:
            guard own || decided, transfer.shipMovementKey == movement.key else { throw TransferError.boardCannotShip }
        }
    }

    /// Takes a transfer as the ledger (at a hub) or the hub (at a board) holds it. A receipt
    /// known here stands until the one from upstream says who received the carton; a receipt
    /// made here that upstream gave to another movement (a second counter scanned the carton
    /// while offline) is booked back out, here only, and audited.
    public static func learn(_ transfer: StoreTransfer, in db: Database) throws {
        var learned = transfer
        let local = try StoreTransfer.fetchOne(db, key: transfer.sscc)
        if let local, learned.receiveMovementKey == nil {
            (learned.receivedAt, learned.receivedBy, learned.toBin, learned.receiveMovementKey) =
                (local.receivedAt, local.receivedBy, local.toBin, local.receiveMovementKey)
        }
        guard local.map({ !learned.sameAs($0) }) ?? true else { return }
        if let local, let mine = local.receiveMovementKey, let theirs = learned.receiveMovementKey, mine != theirs,
           let receipt = try StockMovement.filter(Column("key") == mine).fetchOne(db), receipt.kind == .transferIn,
           try StockMovement.filter(Column("reverses") == mine).fetchCount(db) == 0 {
            let at = learned.receivedAt ?? Date()
            let reason = "调拨箱 \(transfer.sscc) 已由 \(learned.receivedBy ?? "?") 收货，本机收货作废 / carton \(transfer.sscc) was received by \(learned.receivedBy ?? "?") first: this counter's receipt is void"
            _ = try StockLedger.record(MovementDraft(kind: .reversal, partNumber: receipt.partNumber, quantity: receipt.quantity, fromBin: receipt.toBin,
                                                     reason: reason, reverses: mine, deviceID: receipt.deviceID, actor: "hub", recordedAt: max(at, receipt.recordedAt)),
                                       allowNegativeStock: true, in: db)
            try AuditLog.record(.transferReceiptVoided, actor: "hub", detail: reason, at: Date(), in: db)
        }
        try learned.upsert(db)
    }

    /// The transfers of this store, newest first; only those still in transit when `inTransitOnly`.
    public static func list(inTransitOnly: Bool = false, limit: Int = 200, in db: Database) throws -> [StoreTransfer] {
        var request = StoreTransfer.order(Column("shippedAt").desc).limit(limit)
        if inTransitOnly { request = request.filter(Column("receiveMovementKey") == nil) }
        return try request.fetchAll(db)
    }
}

/// The store's transfers, each call in its own transaction (for the hub's ledger, the
/// commands and the API).
public struct TransferBook: Sendable {
    let database: KioskDatabase

    /// The carton shipped under movement `key`, if any.
    public func shipped(key: UUID) throws -> StoreTransfer? {
        try database.pool.read { db in try StoreTransfer.filter(Column("shipMovementKey") == key).fetchOne(db) }
    }

    /// The SSCCs of the cartons this store holds as in transit (either way).
    public func inTransit() throws -> [String] {
        try database.pool.read { db in try String.fetchAll(db, sql: "SELECT sscc FROM store_transfer WHERE receiveMovementKey IS NULL") }
    }

    /// ``Transfers/ship(sscc:from:to:partNumber:quantity:bin:key:deviceID:actor:at:in:)`` in one transaction.
    public func ship(sscc: String, from fromStore: String, order: TransferOrder, deviceID: String, at time: Date = Date()) throws -> StoreTransfer {
        try database.pool.write { db in
            try Transfers.ship(sscc: sscc, from: fromStore, to: order.toStore, partNumber: order.partNumber, quantity: order.quantity,
                               bin: order.bin, key: order.key, deviceID: deviceID, actor: order.actor, at: time, in: db)
        }
    }

    /// Takes transfers as the ledger holds them (``Transfers/learn(_:in:)``), in one transaction.
    public func learn(_ transfers: [StoreTransfer]) throws {
        try database.pool.write { db in
            // What the ledger says is not sent back to it (a voided receipt is booked out here only).
            try KioskMeta.set("sync_applying", "1", in: db)
            defer { try? KioskMeta.remove("sync_applying", in: db) }
            for transfer in transfers { try Transfers.learn(transfer, in: db) }
        }
    }

    /// The transfers of this store, newest first.
    public func list(inTransitOnly: Bool = false, limit: Int = 200) throws -> [StoreTransfer] {
        try database.pool.read { db in try Transfers.list(inTransitOnly: inTransitOnly, limit: limit, in: db) }
    }
}

extension KioskDatabase {
    /// Cartons shipped to and from the chain's other stores.
    public var transfers: TransferBook { TransferBook(database: self) }
}
