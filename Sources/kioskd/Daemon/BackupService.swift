import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import Synchronization

/// Takes the scheduled backups: sleeps until the next run, takes a full copy or an
/// increment, prunes, and reports in health. A failed backup is a named fault, retried at
/// the next run.
struct BackupService: Service {
    let backups: Backups
    let schedule: BackupSchedule
    let health: HealthBoard
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let next = schedule.nextRun(after: Date())
            health.set("backup", .ok("next backup \(ISO8601DateFormatter().string(from: next)) into \(backups.directory.path)"))
            let wait = Duration.seconds(max(0, next.timeIntervalSinceNow))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { break }
            do {
                let backups = self.backups, schedule = self.schedule
                let record = try await backups.database.perform(.long) { try backups.scheduledRun(schedule) }
                logger.info("backup taken", metadata: ["kind": "\(record.kind.rawValue)", "file": "\(record.file)"])
            } catch {
                health.set("backup", .degraded("备份失败 backup failed: \(error)"))
                logger.error("备份失败 backup failed: \(error)")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
            }
        }
    }
}
