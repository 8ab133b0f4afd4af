import Foundation
import GRDB

/// The hub's page for the service manager and the parts manager: the floor now (open jobs by
/// state and bay, time against the standard hours), the day's or week's figures (technician
/// efficiency, bay utilisation, as charts drawn here), what waits at the counter, and how each
/// board syncs.
public struct ManagerView: Codable, Sendable {
    public enum Period: String, Codable, Sendable, CaseIterable {
        case day, week
    }

    public struct OpenJob: Codable, Sendable {
        public var ticketCode: String
        public var bay: String?
        public var state: JobState
        public var stateSince: Date
        /// Hours in the state it is in now, and since it was opened.
        public var hoursInState: Double
        public var hoursOpen: Double
        /// The standard hours of its services (0: none given).
        public var standardHours: Double
        /// Open longer than its standard hours (with standard hours given).
        public var overStandard: Bool
    }

    public struct Technician: Codable, Sendable {
        public var badge: String
        public var name: String
        public var repairingHours: Double
        public var standardHours: Double
        public var efficiency: Double?
    }

    public struct Bay: Codable, Sendable {
        public var bay: String
        public var busyHours: Double
        public var utilisation: Double
    }

    /// A board enrolled with this hub and how it syncs.
    public struct Device: Codable, Sendable {
        public var deviceID: String
        public var role: String
        public var revoked: Bool
        /// The newest event it sent, and when the hub last heard from it at all (a pull).
        public var lastEventAt: Date?
        public var lastSeenAt: Date?
        /// Events it said were waiting in its outbox when it last pulled (nil: it did not say).
        public var queue: Int?
        public var events: Int
        /// Its events the hub refused or sent back (a job moved elsewhere, a role's limit).
        public var refused: Int
        public var auditAlarm: String?
    }

    /// What a board last told the hub about itself, kept by the web layer.
    public struct Sighting: Sendable, Hashable {
        public var at: Date
        public var queue: Int?
        public init(at: Date, queue: Int?) { (self.at, self.queue) = (at, queue) }
    }

    public var period: Period
    public var from: Date
    public var to: Date
    public var openJobs: [OpenJob]
    /// The open states in their order, with their names, for the table's columns.
    public var states: [[String]]
    public var technicians: [Technician]
    public var bays: [Bay]
    public var alerts: [String]
    public var partsRequests: [CounterView.Request]
    public var devices: [Device]
    /// Inline SVG: technician efficiency, bay utilisation.
    public var efficiencyChart: String
    public var utilisationChart: String

    /// The window of a period ending `now`: today from local midnight, or the seven days to now.
    public static func window(_ period: Period, now: Date, calendar: Calendar = .current) -> DateInterval {
        let midnight = calendar.startOfDay(for: now)
        let start = period == .day ? midnight : calendar.date(byAdding: .day, value: -6, to: midnight) ?? midnight
        return DateInterval(start: start, end: max(start, now))
    }
}

extension KioskDatabase {
    /// The manager's view for `period`, with what the boards last said of themselves.
    public func managerView(_ period: ManagerView.Period, sightings: [String: ManagerView.Sighting] = [:], now: Date = Date()) async throws -> ManagerView {
        let window = ManagerView.window(period, now: now)
        let workshop = self.workshop
        let report = WorkshopReport(try await perform(.read) { try workshop.history(from: window.start, to: window.end) }, now: now)
        return try await pool.read { db in
            let orders = try WorkOrder.filter(![JobState.delivered.rawValue, JobState.cancelled.rawValue].contains(Column("state")))
                .order(Column("bay"), Column("openedAt")).fetchAll(db)
            let openJobs = orders.map { o in
                let open = now.timeIntervalSince(o.openedAt) / 3600
                return ManagerView.OpenJob(ticketCode: o.ticketCode, bay: o.bay, state: o.state, stateSince: o.stateSince,
                                           hoursInState: max(0, now.timeIntervalSince(o.stateSince) / 3600), hoursOpen: max(0, open),
                                           standardHours: o.standardHours, overStandard: o.standardHours > 0 && open > o.standardHours)
            }
            let names = Dictionary(try Row.fetchAll(db, sql: "SELECT badge, name FROM technician").map { ($0["badge"] as String, $0["name"] as String) },
                                   uniquingKeysWith: { a, _ in a })
            let technicians = report.technicians.map {
                ManagerView.Technician(badge: $0.badge, name: names[$0.badge] ?? $0.badge, repairingHours: $0.repairingHours,
                                       standardHours: $0.standardHours, efficiency: $0.efficiency)
            }
            let bays = report.bays.map { ManagerView.Bay(bay: $0.bay, busyHours: $0.busySeconds / 3600, utilisation: $0.utilisation) }
            let alerts = try CounterView.openStockAlerts(in: db) + CounterView.openYardAlerts(in: db).map { "整车 · " + $0 }
            let requests = try CounterView.Request.open(in: db)
            let devices = try Row.fetchAll(db, sql: """
                SELECT d.deviceID, d.role, d.revokedAt IS NOT NULL AS revoked, d.auditAlarm,
                  (SELECT COUNT(*) FROM hub_event e WHERE e.deviceID = d.deviceID) AS events,
                  (SELECT COUNT(*) FROM hub_event e WHERE e.deviceID = d.deviceID AND e.outcome != 'applied') AS refused,
                  (SELECT MAX(receivedAt) FROM hub_event e WHERE e.deviceID = d.deviceID) AS lastEventAt
                FROM hub_device d ORDER BY d.deviceID
                """).map { row in
                let id: String = row["deviceID"]
                return ManagerView.Device(deviceID: id, role: row["role"], revoked: row["revoked"], lastEventAt: row["lastEventAt"],
                                          lastSeenAt: sightings[id]?.at, queue: sightings[id]?.queue, events: row["events"],
                                          refused: row["refused"], auditAlarm: row["auditAlarm"])
            }
            let efficiency = BarChart(title: "技师效率（标准工时 ÷ 实际工时）Technician efficiency",
                                      bars: technicians.filter { $0.efficiency != nil }.map {
                                          BarChart.Bar(label: "\($0.badge) \($0.name)", value: ($0.efficiency ?? 0) * 100,
                                                       text: String(format: "%.0f %%", ($0.efficiency ?? 0) * 100))
                                      }, target: 100, targetText: "100 %")
            let utilisation = BarChart(title: "工位利用率 Bay utilisation", bars: bays.map {
                BarChart.Bar(label: $0.bay, value: $0.utilisation * 100, text: String(format: "%.0f %% · %.1f h", $0.utilisation * 100, $0.busyHours))
            }, target: 100)
            let states = JobState.allCases.filter(\.isOpen).map { [$0.rawValue, $0.nameZh, $0.nameEn] }
            return ManagerView(period: period, from: window.start, to: window.end, openJobs: openJobs, states: states, technicians: technicians,
                               bays: bays, alerts: alerts, partsRequests: requests, devices: devices,
                               efficiencyChart: efficiency.svg(), utilisationChart: utilisation.svg())
        }
    }
}
