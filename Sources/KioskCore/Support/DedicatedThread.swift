import Foundation
import Synchronization

/// Set once to ask a blocking loop on its own thread to return. Its descriptor becomes
/// readable when it is set, so a loop waiting in `poll(2)` wakes at once instead of looking
/// at the flag every so often: an idle device loop costs no wake-up at all.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    private let wake = WakePipe()
    /// Readable once stopped: add it to the descriptors a loop polls.
    public var fd: Int32 { wake.fd }

    public init() {}

    public var isStopped: Bool { flag.load(ordering: .acquiring) }

    public func stop() {
        flag.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Waits `duration` on a dedicated thread, returning early once stopped (a retry pause).
    public func sleep(for duration: Duration) {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let until = ContinuousClock.now + duration
        while !isStopped, case let left = until - ContinuousClock.now, left > .zero {
            _ = poll(&pfd, 1, left.pollMilliseconds)
        }
    }
}

/// A descriptor to poll that another thread makes readable: a pipe whose write end takes a
/// byte per signal (never blocking: a full pipe is readable already).
public final class WakePipe: Sendable {
    /// The end to poll.
    public let fd: Int32
    private let writeEnd: Int32

    public init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            }
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fd)
        close(writeEnd)
    }

    /// Makes ``fd`` readable.
    public func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Reads what signals are waiting, so that ``fd`` waits again.
    public func drain() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(fd, &bytes, bytes.count) > 0 {}
    }
}

extension Duration {
    /// This duration as poll(2)'s timeout: whole milliseconds, rounded up, at least 1.
    public var pollMilliseconds: Int32 {
        let ms = components.seconds * 1000 + (components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(1, ms))
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
                nameCurrentThread(name)
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

/// Names the calling thread in the kernel (what `top -H`, `ps -L` and `perf` show), cut to
/// the 15 bytes Linux keeps, at a character boundary. Foundation's `Thread.name`, set before
/// `start()`, stays inside Foundation on Linux: without this every thread of kioskd showed
/// the name of the concurrency pool's thread that started it.
public func nameCurrentThread(_ name: String) {
    var cut = Substring(name)
    while cut.utf8.count > 15 { cut = cut.dropLast() }
    // pthread_setname_np is not visible to Swift here; this is what it does on Linux.
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(cut.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

/// Puts the calling thread in Linux's idle scheduling class (`SCHED_IDLE`): it runs when a
/// core has nothing else to do and never preempts another thread when it wakes. For
/// background loops whose wake-ups come from the scan path's own work. Returns whether the
/// kernel agreed.
@discardableResult
public func runAtIdlePriority() -> Bool {
    let schedIdle: Int32 = 5   // SCHED_IDLE, <sched.h> with _GNU_SOURCE
    var parameter = sched_param(sched_priority: 0)
    return pthread_setschedparam(pthread_self(), schedIdle, &parameter) == 0
}

/// A monotonic time for key timing and duplicate windows.
public func monotonicNow() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
}

/// Waits until `fd` is readable, `stop` is set, or `timeout` passes (`nil`: no time limit),
/// retrying EINTR. Returns the `revents` of `fd`, 0 on timeout or stop.
public func pollReadable(_ fd: Int32, until stop: StopFlag, timeout: Duration?) -> Int16 {
    var pfds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0)]
    while true {
        let r = poll(&pfds, 2, timeout?.pollMilliseconds ?? -1)
        if r < 0, errno == EINTR { continue }
        return r <= 0 ? 0 : pfds[0].revents
    }
}
