import CoreMetrics
import Prometheus

/// The swift-metrics factory kioskd bootstraps: what libraries report (Hummingbird's
/// request counts and durations) lands in kioskd's Prometheus registry under names and help
/// texts that follow Prometheus' conventions, so that `promtool check metrics` passes the
/// whole of `/metrics`: counters end in `_total`, durations in `_seconds`, every family has
/// a `# HELP` line. swift-prometheus' own factory registers them with no help and counters
/// without `_total`.
public struct DescribedMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry

    /// Known library metrics: the name to export and its help text.
    static let known: [String: (name: String, help: String)] = [
        "hb_requests": ("kioskd_http_requests", "HTTP requests handled, by route and method (Hummingbird)"),
        "hb_request_errors": ("kioskd_http_request_errors", "HTTP requests that ended in an error, by route, method and error (Hummingbird)"),
        "http_server_active_requests": ("kioskd_http_active_requests", "HTTP requests being handled now (Hummingbird)"),
        "http_server_request_duration": ("kioskd_http_request_duration", "Time to handle an HTTP request, by route, method and status (Hummingbird)"),
    ]

    static let durationBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
    static let valueBuckets: [Double] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// The export name (without its unit suffix) and help text of a library's `label`.
    /// Labels come as the library names them (`hb.requests`, `http.server.request.duration`).
    static func describe(_ label: String) -> (name: String, help: String) {
        let name = String(label.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        // One help text for every unknown label: two labels that clean up to the same name must
        // not register it with different help (swift-prometheus stops the process on that).
        return known[name] ?? ("kioskd_lib_" + name, "Reported by a library through swift-metrics")
    }

    static func descriptor(_ label: String, unit: String) -> MetricNameDescriptor {
        var (name, help) = describe(label)
        for suffix in ["_total", "_seconds"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label, unit: "total"), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label, unit: "total"), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: Self.descriptor(label, unit: ""), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: Self.descriptor(label, unit: ""), labels: dimensions, buckets: Self.valueBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: Self.descriptor(label, unit: ""), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: Self.descriptor(label, unit: "seconds"), labels: dimensions, buckets: Self.durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
