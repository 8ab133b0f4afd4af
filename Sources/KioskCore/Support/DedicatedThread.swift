import Foundation
import Synchronization

/// Set once to ask a blocking loop on its own thread to return.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
    public func stop() { flag.store(true, ordering: .releasing) }
    /// Waits `duration` on a dedicated thread, returning early once stopped (a retry pause).
    public func sleep(for duration: Duration) {
        let until = ContinuousClock.now + duration
        while !isStopped, ContinuousClock.now < until { Thread.sleep(forTimeInterval: 0.05) }
    }
}

/// Runs a blocking device loop on a thread of its own (never on the few threads of the
/// concurrency pool: a 2-core board has two) until it returns or the task is cancelled.
/// The loop must check the flag at least every poll timeout. Services wrap this in
/// `cancelWhenGracefulShutdown` so that shutdown stops the loop.
public func runOnDedicatedThread(name: String, _ body: @escaping @Sendable (StopFlag) -> Void) async {
    let flag = StopFlag()
    await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                body(flag)
                continuation.resume()
            }
            thread.name = name
            thread.start()
        }
    } onCancel: {
        flag.stop()
    }
}

/// A monotonic time for key timing and duplicate windows.
public func monotonicNow() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
}

/// Waits until `fd` is readable or `milliseconds` pass, retrying EINTR.
/// Returns the `revents`, 0 on timeout.
public func pollReadable(_ fd: Int32, milliseconds: Int32) -> Int16 {
    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    while true {
        let r = poll(&pfd, 1, milliseconds)
        if r < 0, errno == EINTR { continue }
        return r <= 0 ? 0 : pfd.revents
    }
}
