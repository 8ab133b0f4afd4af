import Foundation
import KioskCore
import Logging
import Scanner
import ServiceLifecycle

/// Keeps the ``ScanDesk`` for the daemon's life. On shutdown (after the scanner sources have
/// stopped, before the stack light does) it waits until the scans already queued are
/// committed and shown, however long a slow disk takes: systemd's stop timeout bounds it. The
/// desk works on its own thread: scanner sources queue into it directly.
struct CounterService: Service {
    let desk: ScanDesk

    func run() async throws {
        try? await gracefulShutdown()
        await desk.handledSoFar()
    }
}

/// Feedback as a log line and a line on standard output (the counter's terminal).
struct LogIndicator: ScanIndicator {
    let logger: Logger

    func show(_ feedback: ScanFeedback) {
        let line = FeedbackLine.format(feedback)
        if feedback.accepted {
            logger.info("\(line)", metadata: ["scan": "\(feedback.scanID)", "movement": "\(feedback.movement?.seq.map(String.init) ?? "-")"])
        } else {
            logger.warning("\(line)", metadata: ["scan": "\(feedback.scanID)"])
        }
        // One line per scan on standard output too (the journal): nothing in a message, such
        // as text a client sent, starts a line of its own there.
        FileHandle.standardOutput.write(Data((line.escapingLineBreaks + "\n").utf8))
    }
}

/// Copies each scanner source's status into the health board as it changes.
struct ScannerHealth: Service {
    let sources: [any ScanSource]
    let health: HealthBoard

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for source in sources {
                    let updates = source.statusUpdates(), name = source.name
                    group.addTask {
                        for await status in updates {
                            let board: HealthBoard.Status = switch status {
                            case .connected(let d): .ok("connected \(d)")
                            case .starting: .ok("starting")
                            case .stopped: .ok("stopped")
                            case .waiting(let why): .degraded(why)
                            }
                            health.set("scanner:\(name)", board)
                        }
                    }
                }
            }
        }
    }
}
