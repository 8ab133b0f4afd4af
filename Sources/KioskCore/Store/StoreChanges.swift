import Foundation
import GRDB
import Synchronization

/// A part of the store that pages, lamps and metrics show, named by the shop area it belongs to.
public enum StoreArea: String, Sendable, Hashable, CaseIterable, Codable {
    /// Parts, bins, barcodes, movements and balances, and transfers between stores.
    case stock
    /// Purchase orders, supplier deliveries and their lines, returns to suppliers.
    case purchasing
    /// Stock alerts (safety stock, reorder point).
    case alerts
    /// The counter's scans and session.
    case scans
    /// Work orders, job transitions, clocks, bay presses, parts requests, appointments.
    case workshop
    /// Vehicles on the yard, their movements, counts and alerts.
    case yard
    /// Stocktakes and their counts.
    case stocktake
    /// The print queue.
    case printing
    /// The outbox and the hub's devices and events, and the events for the store's other
    /// systems (upstream events, webhook endpoints and deliveries).
    case sync
    /// Technicians, staff sessions and PIN attempts.
    case staff
    /// The audit log and the store's own metadata.
    case records

    /// The area a table belongs to. A table this list does not know counts as `records`.
    public static func of(table: String) -> StoreArea {
        switch table {
        case "part", "bin", "barcode", "stock_movement", "stock_balance", "store_transfer": .stock
        case "purchase_order", "delivery", "delivery_line", "supplier_return": .purchasing
        case "stock_alert": .alerts
        case "scan_log", "counter_session": .scans
        case "work_order", "job_transition", "job_clock", "bay_press", "parts_request", "parts_request_part", "workshop_event", "appointment", "job_quote": .workshop
        case "vehicle", "vehicle_movement", "yard_alert", "yard_count", "yard_stocktake", "model_safety_stock": .yard
        case "stocktake", "stocktake_line", "stocktake_scan": .stocktake
        case "print_job": .printing
        case "sync_outbox", "sync_refusal", "hub_change", "hub_device", "hub_enrolment", "hub_event", "hub_fact",
             "upstream_event", "webhook_endpoint", "webhook_delivery": .sync
        case "technician", "staff_session", "pin_attempt": .staff
        default: .records
        }
    }
}

/// One committed change of the store: the areas it touched.
public struct StoreChange: Sendable, Hashable {
    /// Counts every change published by this store object, from 1.
    public var sequence: Int
    /// The areas the commit wrote to. A commit made by another process (a `kioskd` command,
    /// a restore) cannot be told apart: it names every area.
    public var areas: Set<StoreArea>
    /// Made by another process, seen through `PRAGMA data_version`.
    public var fromElsewhere: Bool

    public init(sequence: Int, areas: Set<StoreArea>, fromElsewhere: Bool) {
        self.sequence = sequence
        self.areas = areas
        self.fromElsewhere = fromElsewhere
    }
}

/// The store's change stream: every commit of this process's writer is published once, after
/// it has committed, with the areas it wrote (from GRDB's transaction observer, so nothing
/// has to remember to announce its change); commits made by other processes are published by
/// ``StoreChangeWatcher``. Lamps, pages and metrics subscribe instead of polling the store.
public final class StoreChanges: Sendable {
    private struct State {
        var sequence = 0
        /// Commits of this process's writer published so far (not other processes').
        var ownCommits = 0
        /// The sequence of the last change that touched each area.
        var lastChange: [StoreArea: Int] = [:]
        var listeners: [UUID: (areas: Set<StoreArea>, continuation: AsyncStream<StoreChange>.Continuation)] = [:]
        var finished = false
    }
    private let state = Mutex(State())

    public init() {}

    /// The sequence of the last change published (0 before any).
    public var sequence: Int { state.withLock { $0.sequence } }

    /// How many commits of this process's own writer have been published (changes from
    /// elsewhere not counted): the store watcher tells its own writes from others' by it.
    public var ownCommits: Int { state.withLock { $0.ownCommits } }

    /// The sequence of the last change that touched any of `areas` (0 before any): a cache
    /// keyed by it is fresh until one of those areas changes.
    public func version(of areas: Set<StoreArea>) -> Int {
        state.withLock { s in areas.map { s.lastChange[$0] ?? 0 }.max() ?? 0 }
    }

    /// Publishes a change to every subscriber. Called by the store's observer after a commit,
    /// and by the watcher for other processes' commits.
    public func publish(_ areas: Set<StoreArea>, fromElsewhere: Bool = false) {
        guard !areas.isEmpty else { return }
        let (change, listeners) = state.withLock { s -> (StoreChange, [AsyncStream<StoreChange>.Continuation]) in
            s.sequence += 1
            if !fromElsewhere { s.ownCommits += 1 }
            for area in areas { s.lastChange[area] = s.sequence }
            return (StoreChange(sequence: s.sequence, areas: areas, fromElsewhere: fromElsewhere),
                    s.listeners.values.filter { !$0.areas.isDisjoint(with: areas) }.map(\.continuation))
        }
        for listener in listeners { listener.yield(change) }
    }

    /// The changes that touch any of `areas`, from now on, until the subscriber stops or the
    /// stream is finished (shutdown). Nothing is dropped: a slow subscriber gets them all,
    /// unless `newestOnly` (a client that only needs to know that something changed, such as a
    /// page's event stream: a client that never reads then holds one change, not every one).
    public func subscribe(to areas: Set<StoreArea> = Set(StoreArea.allCases), newestOnly: Bool = false) -> AsyncStream<StoreChange> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<StoreChange>.makeStream(bufferingPolicy: newestOnly ? .bufferingNewest(1) : .unbounded)
        let finished = state.withLock { s -> Bool in
            if !s.finished { s.listeners[id] = (areas, continuation) }
            return s.finished
        }
        if finished { continuation.finish() }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    /// Waits until a change touching `areas` comes after `version` (what ``version(of:)`` said
    /// before the caller last read the store), or `timeout` passes on `clock`, or the task is
    /// cancelled; says whether such a change came. A service that works through what the store
    /// holds (the outbox, webhook deliveries) waits here between rounds instead of looking
    /// again on a timer: a commit wakes it at once, and nothing wakes it while nobody writes.
    public func waitForChange<C: Clock>(of areas: Set<StoreArea>, after version: Int, timeout: Duration,
                                        clock: C = ContinuousClock()) async -> Bool where C.Duration == Duration {
        // Subscribed before the version is read again, so that a change between the two is
        // either seen in the version or delivered on the stream.
        let stream = subscribe(to: areas, newestOnly: true)
        if self.version(of: areas) > version { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                // The stream ended (the daemon is stopping): no change is coming, so the
                // caller waits out its timeout rather than spin.
                try? await clock.sleep(for: timeout)
                return false
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Ends every subscription (the daemon is stopping); later subscriptions end at once.
    public func finishAll() {
        let listeners = state.withLock { s -> [AsyncStream<StoreChange>.Continuation] in
            s.finished = true
            defer { s.listeners = [:] }
            return s.listeners.values.map(\.continuation)
        }
        for listener in listeners { listener.finish() }
    }
}

/// Collects the tables a transaction of the writer writes to and publishes their areas once it
/// has committed (nothing for a rollback).
final class StoreChangeObserver: TransactionObserver, @unchecked Sendable {
    // Only touched on the writer's queue, one transaction at a time. One bit per area (its
    // index in `allCases`): asked before every writing statement, so kept to an OR.
    private var pending: UInt32 = 0
    /// Each table's bit once looked up: one hash instead of `StoreArea.of(table:)`'s string
    /// comparisons, several times in every scan.
    private var bitsByTable: [String: UInt32] = [:]
    private static let bits: [StoreArea: UInt32] = Dictionary(uniqueKeysWithValues: StoreArea.allCases.enumerated().map { ($1, 1 << UInt32($0)) })
    private static let all: UInt32 = bits.values.reduce(0, |)
    private let changes: StoreChanges

    init(changes: StoreChanges) { self.changes = changes }

    /// GRDB asks before each statement that writes which tables it writes: noted here, and no
    /// row-by-row notification is asked for (it would cost every row of every commit). A
    /// statement that ends up changing no row still counts: at worst a page looks again.
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        let table = eventKind.tableName
        if let bit = bitsByTable[table] {
            pending |= bit
        } else {
            let bit = Self.bits[StoreArea.of(table: table)]!
            bitsByTable[table] = bit
            pending |= bit
        }
        return false
    }

    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseDidChange() {
        // A change GRDB could not tell row by row (Database.notifyChanges): assume every area.
        pending = Self.all
    }

    func databaseDidCommit(_ db: Database) {
        guard pending != 0 else { return }
        let areas = Set(StoreArea.allCases.filter { pending & Self.bits[$0]! != 0 })
        pending = 0
        changes.publish(areas)
    }

    func databaseDidRollback(_ db: Database) {
        pending = 0
    }
}
