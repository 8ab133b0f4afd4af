import Foundation
import Hummingbird
import GRDB
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// Tells the pages that something changed: a version number that goes up, and a stream per
/// listener. Pages refetch what they show when it moves.
public final class ChangeFeed: Sendable {
    private struct State {
        var version = 0
        var listeners: [UUID: AsyncStream<Int>.Continuation] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public var version: Int { state.withLock { $0.version } }

    /// Bumps the version and wakes every listener.
    public func bump() {
        let (version, listeners) = state.withLock { s -> (Int, [AsyncStream<Int>.Continuation]) in
            s.version += 1
            return (s.version, Array(s.listeners.values))
        }
        for l in listeners { l.yield(version) }
    }

    /// A stream of versions, starting with the current one; ends when the caller stops.
    public func subscribe() -> AsyncStream<Int> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let current = state.withLock { s -> Int in
            s.listeners[id] = continuation
            return s.version
        }
        continuation.yield(current)
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    func finishAll() {
        let listeners = state.withLock { s -> [AsyncStream<Int>.Continuation] in defer { s.listeners = [:] }; return Array(s.listeners.values) }
        for l in listeners { l.finish() }
    }
}
