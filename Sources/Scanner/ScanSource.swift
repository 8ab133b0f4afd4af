import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// Where scans are delivered: every source hands its scans to one queue (``ScanQueue/enqueue(_:)``).
public typealias ScanSink = @Sendable (ScanEvent) -> Void

/// The state of a scan source, for health and the counter page.
public enum ScanSourceStatus: Sendable, Hashable, CustomStringConvertible {
    case starting
    case connected(String)
    /// The device is missing or failed; the source keeps retrying.
    case waiting(String)
    case stopped

    public var description: String {
        switch self {
        case .starting: "starting"
        case .connected(let d): "connected \(d)"
        case .waiting(let why): "waiting: \(why)"
        case .stopped: "stopped"
        }
    }
}

/// A long-running source of scans (a `Service`), with a status others can read.
public protocol ScanSource: Service {
    /// The name scans from this source carry (`ScanEvent.source`).
    var name: String { get }
    var status: ScanSourceStatus { get }
    /// The status now, then each change, until the subscriber stops.
    func statusUpdates() -> AsyncStream<ScanSourceStatus>
}

/// Shared, thread-safe status cell for sources whose loop runs on its own thread.
final class StatusCell: Sendable {
    private struct State {
        var status = ScanSourceStatus.starting
        var listeners: [UUID: AsyncStream<ScanSourceStatus>.Continuation] = [:]
    }
    private let value = Mutex(State())
    var current: ScanSourceStatus { value.withLock { $0.status } }
    func set(_ status: ScanSourceStatus, logger: Logger) {
        let listeners = value.withLock { state -> [AsyncStream<ScanSourceStatus>.Continuation]? in
            guard state.status != status else { return nil }
            state.status = status
            return Array(state.listeners.values)
        }
        guard let listeners else { return }
        logger.info("scanner status", metadata: ["status": "\(status)"])
        for listener in listeners { listener.yield(status) }
    }
    func updates() -> AsyncStream<ScanSourceStatus> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ScanSourceStatus>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let now = value.withLock { state -> ScanSourceStatus in
            state.listeners[id] = continuation
            return state.status
        }
        continuation.yield(now)
        continuation.onTermination = { [weak self] _ in self?.value.withLock { _ = $0.listeners.removeValue(forKey: id) } }
        return stream
    }
}
