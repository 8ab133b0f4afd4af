import GRDB
import KioskCore
import Prometheus

/// kioskd's Prometheus metrics: scans and movements as they are acknowledged, and the state
/// of the shop floor (faults, alerts, parts requests) read at each scrape. It is a
/// ``ScanIndicator``, so it counts exactly what the clerk was told.
public final class KioskMetrics: Sendable, ScanIndicator {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Present from the first scrape, at zero.
        for result in ["accepted", "rejected", "duplicate"] { _ = scans(result) }
    }

    private func scans(_ result: String) -> Prometheus.Counter {
        registry.makeCounter(name: "kioskd_scans_total", labels: [("result", result)], help: "Scans handled, by result")
    }

    public func show(_ feedback: ScanFeedback) async {
        scans(feedback.duplicate ? "duplicate" : feedback.accepted ? "accepted" : "rejected").increment()
        if let movement = feedback.movement, !feedback.duplicate {
            registry.makeCounter(name: "kioskd_movements_total", labels: [("kind", movement.kind.rawValue)],
                                 help: "Stock movements recorded, by kind").increment()
        }
    }

    /// Reads the gauges from the store and the health board.
    func refreshGauges(health: HealthBoard, in db: Database) {
        let faults = health.faults
        registry.makeGauge(name: "kioskd_faults", help: "Components reporting a fault (GPIO, scanners, …)").set(to: Double(faults.count))
        registry.makeGauge(name: "kioskd_gpio_faults", help: "GPIO chips or lines reporting a fault")
            .set(to: Double(faults.keys.filter { $0.hasPrefix("gpio:") || $0.hasPrefix("buttons:") }.count))
        let count: (String) -> Double = { sql in (try? Double.fetchOne(db, sql: sql)) ?? 0 }
        registry.makeGauge(name: "kioskd_stock_alerts_open", help: "Parts below safety stock or reorder point")
            .set(to: count("SELECT COUNT(*) FROM stock_alert WHERE clearedAt IS NULL"))
        registry.makeGauge(name: "kioskd_yard_alerts_open", help: "Car models below safety stock")
            .set(to: count("SELECT COUNT(*) FROM yard_alert WHERE clearedAt IS NULL"))
        registry.makeGauge(name: "kioskd_parts_requests_open", help: "Bays waiting for parts")
            .set(to: count("SELECT COUNT(*) FROM parts_request WHERE clearedAt IS NULL"))
        registry.makeGauge(name: "kioskd_jobs_open", help: "Work orders not delivered or cancelled")
            .set(to: count("SELECT COUNT(*) FROM work_order WHERE state NOT IN ('delivered', 'cancelled')"))
        // Sync toward the hub: what waits, and how old the oldest waiting change is.
        let acked = count("SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM kiosk_meta WHERE name = 'sync_acked_seq'")
        registry.makeGauge(name: "kioskd_sync_queue", help: "Changes recorded but not yet acknowledged by the hub")
            .set(to: count("SELECT COUNT(*) FROM sync_outbox WHERE seq > \(Int(acked))"))
        registry.makeGauge(name: "kioskd_sync_lag_seconds", help: "Age of the oldest change the hub has not acknowledged")
            .set(to: count("SELECT COALESCE((julianday('now') - julianday(MIN(createdAt))) * 86400, 0) FROM sync_outbox WHERE seq > \(Int(acked))"))
        registry.makeGauge(name: "kioskd_print_jobs_waiting", help: "Labels and tickets waiting for their printer")
            .set(to: count("SELECT COUNT(*) FROM print_job WHERE printedAt IS NULL AND cancelledAt IS NULL"))
    }
}
