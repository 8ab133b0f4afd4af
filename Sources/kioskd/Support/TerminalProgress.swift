import Foundation
import KioskCore
import Synchronization

/// Shows a long command's ``WorkProgress`` to the person who started it.
///
/// On a terminal (standard error is a tty, `TERM` is not `dumb`) one line is redrawn at most
/// ten times a second: the phase, the count, the rate and the time left. In a pipe, a file or
/// under systemd nothing is written while the work runs, and ``finish(_:)`` writes one
/// summary line. `KIOSKD_PROGRESS=live` or `=quiet` overrides the choice.
final class TerminalProgress: Sendable {
    enum Mode: Sendable { case live, quiet }

    let mode: Mode
    private let started = ContinuousClock.now
    private let output: FileHandle
    private struct State {
        var phase = ""
        var phaseStarted = ContinuousClock.now
        /// When the line was last drawn; `nil` while nothing was drawn.
        var lastDrawn: ContinuousClock.Instant?
    }
    private let state = Mutex(State())

    init(mode: Mode? = nil, output: FileHandle = .standardError, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.output = output
        self.mode = mode ?? Self.mode(environment: environment, isTerminal: isatty(output.fileDescriptor) == 1)
    }

    static func mode(environment: [String: String], isTerminal: Bool) -> Mode {
        switch environment["KIOSKD_PROGRESS"] {
        case "live": return .live
        case "quiet": return .quiet
        default: return isTerminal && environment["TERM"] != "dumb" ? .live : .quiet
        }
    }

    /// The handler to give the core.
    var handler: ProgressHandler { { [self] in self.report($0) } }

    func report(_ progress: WorkProgress) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            if progress.phase != state.phase {
                state.phase = progress.phase
                state.phaseStarted = now
            }
            guard mode == .live else { return nil }
            let finished = progress.total.map { progress.done >= $0 } ?? false
            if let drawn = state.lastDrawn, now - drawn < .milliseconds(100), !finished { return nil }
            state.lastDrawn = now
            return Self.describe(progress, elapsed: now - state.phaseStarted)
        }
        if let line { output.write(Data("\r\u{1B}[K\(line)".utf8)) }
    }

    /// Runs `work` with this progress's handler. When it throws, the progress line is
    /// cleared first, so that the error shows on a line of its own.
    func run<T>(_ work: (@escaping ProgressHandler) throws -> T) throws -> T {
        do { return try work(handler) } catch {
            output.write(Data(clearLine.utf8))
            throw error
        }
    }

    /// Ends the progress line and writes `summary` (with the time taken) on its own line,
    /// on a terminal and in a pipe alike.
    func finish(_ summary: String) {
        let elapsed = ContinuousClock.now - started
        output.write(Data("\(clearLine)\(summary) (\(String(format: "%.1f s", elapsed.inSeconds)))\n".utf8))
    }

    /// What erases the drawn line; nothing when none was drawn.
    private var clearLine: String { state.withLock { $0.lastDrawn == nil ? "" : "\r\u{1B}[K" } }

    /// `导入 importing 12,000/50,000 rows (24%) · 2,100 rows/s · 18 s left`
    static func describe(_ p: WorkProgress, elapsed: Duration) -> String {
        let seconds = elapsed.inSeconds
        guard let total = p.total else { return "\(p.phase) … \(seconds < 1 ? "" : String(format: "%.0f s", seconds))" }
        var line = "\(p.phase) \(grouped(p.done))/\(grouped(total)) \(p.unit)"
        if total > 0 { line += " (\(p.done * 100 / total)%)" }
        if seconds >= 0.5, p.done > 0 {
            let rate = Double(p.done) / seconds
            line += " · \(grouped(Int(rate.rounded()))) \(p.unit)/s"
            if p.done < total { line += " · \(String(format: "%.0f", (Double(total - p.done) / rate).rounded(.up))) s left 剩余" }
        }
        return line
    }

    /// `50,000`: thousands grouped as the English half of the line writes them.
    static func grouped(_ n: Int) -> String {
        n.formatted(.number.locale(Locale(identifier: "en_US")).grouping(.automatic))
    }
}
