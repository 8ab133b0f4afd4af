import Foundation

/// When backups are taken: every day at a local time, a full copy on one weekday (or when
/// the last full copy is a week old or missing), an increment on the other days. Pure.
public struct BackupSchedule: Sendable, Hashable {
    /// Local time of day, in minutes after midnight (02:30 → 150).
    public var minuteOfDay: Int
    /// 1 = Sunday … 7 = Saturday (Calendar's numbering).
    public var fullWeekday: Int
    /// Full copies kept by pruning (with their increments).
    public var keepFull: Int
    public var timeZone: TimeZone

    public init(minuteOfDay: Int = 150, fullWeekday: Int = 1, keepFull: Int = 4, timeZone: TimeZone = .current) {
        self.minuteOfDay = minuteOfDay
        self.fullWeekday = fullWeekday
        self.keepFull = keepFull
        self.timeZone = timeZone
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// The first scheduled moment strictly after `date`.
    public func nextRun(after date: Date) -> Date {
        let start = calendar.startOfDay(for: date)
        let today = start.addingTimeInterval(TimeInterval(minuteOfDay * 60))
        if today > date { return today }
        return calendar.date(byAdding: .day, value: 1, to: start)!.addingTimeInterval(TimeInterval(minuteOfDay * 60))
    }

    /// Which backup a run at `date` takes, given when the last full copy was made.
    public func kind(at date: Date, lastFull: Date?) -> BackupRecord.Kind {
        guard let lastFull, date.timeIntervalSince(lastFull) < 7 * 86_400 - 3600 else { return .full }
        return calendar.component(.weekday, from: date) == fullWeekday ? .full : .incremental
    }
}

extension Backups {
    /// One scheduled run: a full copy or an increment as `schedule` says, then pruning.
    @discardableResult
    public func scheduledRun(_ schedule: BackupSchedule, at date: Date = Date()) throws -> BackupRecord {
        let lastFull = try list().last(where: { $0.kind == .full })?.createdAt
        let record = schedule.kind(at: date, lastFull: lastFull) == .full ? try full(at: date) : try incremental(at: date)
        try prune(keepFull: schedule.keepFull)
        try database.audit.record(.backupTaken, actor: "kioskd (schedule)", detail: "\(record.kind.rawValue) \(record.file)", at: date)
        return record
    }
}
