import Dispatch
import GRDB
import Synchronization

/// Whether store work only reads or may commit: it picks the thread it runs on.
public enum StoreWork: Sendable {
    /// Reads only: one of a few reader threads (readers never wait for the writer in WAL mode).
    case read
    /// May commit: the store's one writer thread, in order of arrival.
    case write
    /// Takes long (a backup, sending to a printer): a thread of its own, so it holds up
    /// neither the writer nor the readers.
    case long
}

extension KioskDatabase {
    /// Runs synchronous store work (a domain call that reads or commits) on a thread of the
    /// store's own and returns its result: a commit's fsync, or a wait for another process's
    /// write lock, never holds one of the few threads of Swift's cooperative pool (two on a
    /// 2-core board), so the pages, `/healthz` and the lamps go on while the disk is slow.
    public func perform<T: Sendable>(_ kind: StoreWork, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let counted = kind == .write
        if counted { StoreThreads.writesInFlight.add(1, ordering: .relaxed) }
        return try await withCheckedThrowingContinuation { continuation in
            StoreThreads.queue(for: kind).async {
                let result = Result { try work() }
                if counted { StoreThreads.writesInFlight.subtract(1, ordering: .relaxed) }
                continuation.resume(with: result)
            }
        }
    }

    /// A write transaction through GRDB's async API (on the writer's own queue, the calling
    /// task suspended meanwhile), counted in ``writesInFlight`` while it waits and runs. The
    /// transaction's `BEGIN` and `COMMIT` are cached statements (`Database.inCachedTransaction`).
    public func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        StoreThreads.writesInFlight.add(1, ordering: .relaxed)
        defer { StoreThreads.writesInFlight.subtract(1, ordering: .relaxed) }
        return try await pool.writeWithoutTransaction { db in try db.inCachedTransaction { try updates(db) } }
    }

    /// ``write(_:)`` for synchronous callers: the transaction runs on the calling thread,
    /// which waits for the writer.
    public func write<T>(_ updates: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in try db.inCachedTransaction { try updates(db) } }
    }

    /// Store work that may commit, handed to the writer and not yet done (in this process).
    public static var writesInFlight: Int { StoreThreads.writesInFlight.load(ordering: .relaxed) }
}

/// The dispatch queues store work runs on. Serial queues each get a thread of their own when
/// busy (libdispatch's overcommit), unlike a concurrent queue, whose width is the core count
/// and which a few blocked calls would fill.
enum StoreThreads {
    static let writer = DispatchQueue(label: "kioskd.store.write", qos: .userInitiated)
    static let readers = (0..<4).map { DispatchQueue(label: "kioskd.store.read-\($0)", qos: .userInitiated) }
    private static let next = Atomic<Int>(0)
    static let writesInFlight = Atomic<Int>(0)

    static func queue(for kind: StoreWork) -> DispatchQueue {
        switch kind {
        case .write: writer
        case .read: readers[next.add(1, ordering: .relaxed).oldValue % readers.count]
        case .long: DispatchQueue(label: "kioskd.store.long", qos: .utility)
        }
    }
}
