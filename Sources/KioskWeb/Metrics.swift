import Foundation
import KioskCore
import Prometheus
import Synchronization

/// kioskd's Prometheus metrics: scans and movements as they are acknowledged, and the state
/// of the shop floor (faults, alerts, parts requests) read at each scrape. It is a
/// ``ScanIndicator``, so it counts exactly what the clerk was told.
///
/// The names follow Prometheus' conventions (`promtool check metrics` passes them): counters
/// end in `_total`, sizes in `_bytes`, durations in `_seconds`. `config/kioskd-alerts.yml`
/// holds alert rules on them.
public final class KioskMetrics: Sendable, ScanIndicator {
    public let registry: PrometheusCollectorRegistry
    /// The folder of the store, whose file system's free space is reported.
    let storeDirectory: String?
    /// The shop floor's figures as last read, by the change stream's version of their areas.
    private let figures = Mutex<(version: Int, figures: ShopFloorFigures)?>(nil)

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), storeDirectory: String? = nil) {
        self.registry = registry
        self.storeDirectory = storeDirectory
        // Present from the first scrape, at zero.
        for result in ["accepted", "rejected", "duplicate"] { _ = scans(result) }
    }

    private func counter(_ name: String, _ help: String, labels: [(String, String)]) -> Prometheus.Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "total", helpText: help), labels: labels)
    }

    private func gauge(_ name: String, unit: String = "", _ help: String, labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: unit, helpText: help), labels: labels)
    }

    private func scans(_ result: String) -> Prometheus.Counter {
        counter("kioskd_scans", "Scans handled, by result", labels: [("result", result)])
    }

    public func show(_ feedback: ScanFeedback) {
        scans(feedback.duplicate ? "duplicate" : feedback.accepted ? "accepted" : "rejected").increment()
        if let movement = feedback.movement, !feedback.duplicate {
            counter("kioskd_movements", "Stock movements recorded, by kind", labels: [("kind", movement.kind.rawValue)]).increment()
        }
    }

    /// Sets the gauges from the health board and the shop floor's figures. The figures are
    /// read from the store again only when one of their areas changed since the last scrape.
    func refresh(health: HealthBoard, from database: KioskDatabase, now: Date = Date()) async throws {
        let version = database.changes.version(of: ShopFloorFigures.areas)
        let kept = figures.withLock { $0?.version == version ? $0?.figures : nil }
        let floor: ShopFloorFigures
        if let kept {
            floor = kept
        } else {
            floor = try await database.shopFloorFigures()
            figures.withLock { $0 = (version, floor) }
        }
        refreshGauges(health: health, floor: floor, now: now)
    }

    func refreshGauges(health: HealthBoard, floor: ShopFloorFigures, now: Date) {
        let snapshot = health.snapshot
        let faults = health.faults
        gauge("kioskd_faults", "Components reporting a fault (GPIO, scanners, printers, sync, …)").set(to: Double(faults.count))
        gauge("kioskd_gpio_faults", "GPIO chips or lines reporting a fault")
            .set(to: Double(faults.keys.filter { $0.hasPrefix("gpio:") || $0.hasPrefix("buttons:") }.count))
        // One series per component (scanner:…, printer:…, gpio:…, sync, store, backup, web):
        // 1 while it works, 0 while it reports a fault (a scanner unplugged, a printer out of paper).
        for (component, status) in snapshot {
            let kind = component.split(separator: ":").first.map(String.init) ?? component
            gauge("kioskd_component_up", "1 while a component works, 0 while it reports a fault",
                  labels: [("component", component), ("kind", kind)]).set(to: status.isOK ? 1 : 0)
        }
        gauge("kioskd_stock_alerts_open", "Parts below safety stock or reorder point").set(to: Double(floor.stockAlertsOpen))
        gauge("kioskd_yard_alerts_open", "Car models below safety stock").set(to: Double(floor.yardAlertsOpen))
        gauge("kioskd_parts_requests_open", "Bays waiting for parts").set(to: Double(floor.partsRequestsOpen))
        gauge("kioskd_jobs_open", "Work orders not delivered or cancelled").set(to: Double(floor.jobsOpen))
        // Sync toward the hub: what waits, and how old the oldest waiting change is.
        gauge("kioskd_sync_queue", "Changes recorded but not yet acknowledged by the hub").set(to: Double(floor.syncQueue))
        gauge("kioskd_sync_lag", unit: "seconds", "Age of the oldest change the hub has not acknowledged")
            .set(to: floor.oldestUnsynced.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        gauge("kioskd_print_jobs_waiting", "Labels and tickets waiting for their printer").set(to: Double(floor.printJobsWaiting))
        if let storeDirectory {
            var stats = statvfs()
            if statvfs(storeDirectory, &stats) == 0 {
                let block = Double(stats.f_frsize)
                gauge("kioskd_store_filesystem_size", unit: "bytes", "Size of the file system that holds the store")
                    .set(to: Double(stats.f_blocks) * block)
                gauge("kioskd_store_filesystem_avail", unit: "bytes", "Space left for kioskd on the file system that holds the store")
                    .set(to: Double(stats.f_bavail) * block)
            }
        }
    }
}
