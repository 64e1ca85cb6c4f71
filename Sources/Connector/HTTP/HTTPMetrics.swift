import Foundation
import Metrics
import Prometheus
import Synchronization

/// The connector's metrics: every API request (inbound FSPIOP, outbound), every call to the hub and the core, and the
/// processor's work. They are recorded through swift-metrics, so that an embedder can send them to any backend
/// (``init(factory:)``); by default they go to a Prometheus registry of this connector's own, which `/metrics` renders in
/// the text exposition format (``render()``). Label values come from fixed sets (see ``routeLabel(_:resources:)``).
public final class HTTPMetrics: Sendable {
    /// A metric's name and its labels, sorted by name: one series.
    private struct Key: Hashable {
        var name: String
        var labels: [String]

        init(_ name: String, _ labels: [(String, String)]) {
            self.name = name
            self.labels = labels.map { "\($0.0)=\($0.1)" }
        }
    }

    /// Upper bounds of the latency buckets.
    static let bounds: [Duration] = [.milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                     .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                     .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30)]

    private struct Handles {
        var counters: [Key: Metrics.Counter] = [:]
        var gauges: [Key: Metrics.Gauge] = [:]
        var timers: [Key: Metrics.Timer] = [:]
    }

    /// Where the metrics go: other components of the process (the projections) record through it too.
    public let factory: any MetricsFactory
    /// The registry `/metrics` renders, when the metrics go to this connector's own Prometheus registry.
    private let registry: PrometheusCollectorRegistry?
    private let handles = Mutex(Handles())

    /// Metrics recorded in a Prometheus registry of this connector's own, rendered by ``render()``.
    public convenience init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.bounds
        self.init(factory: factory, registry: registry)
    }

    /// Metrics recorded through another swift-metrics backend; ``render()`` then has nothing to show.
    public convenience init(factory: any MetricsFactory) {
        self.init(factory: factory, registry: nil)
    }

    private init(factory: any MetricsFactory, registry: PrometheusCollectorRegistry?) {
        self.factory = factory
        self.registry = registry
    }

    /// The label of a request path: `/{resource}`, then `/{id}` when ids follow and `/error` for an error
    /// callback, for a first segment among `resources`; `other` for anything else. Labels come from this fixed
    /// set, so requests to unknown paths cannot grow the metrics.
    public static func routeLabel(_ path: String, resources: Set<Substring>) -> String {
        let segments = path.split(separator: "/")
        guard let first = segments.first else { return "/" }
        guard resources.contains(first), segments.count <= 5 else { return "other" }
        var label = "/" + first
        if segments.count > 1 { label += "/{id}" }
        if segments.count > 2, segments.last == "error" { label += "/error" }
        return label
    }

    /// The HTTP methods labelled as themselves; any other is `OTHER`.
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    /// Counts one HTTP request served and observes its duration. `route` must come from a fixed set
    /// (``routeLabel(_:resources:)``); an unknown method is counted as `OTHER`.
    public func record(api: String, method: String, route: String, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let method = Self.methods.contains(method) ? method : "OTHER"
        let labels = [("api", api), ("method", method), ("route", route)]
        counter("pm_http_requests_total", labels + [("status", String(status))]).increment()
        timer("pm_http_request_duration_seconds", labels).recordNanoseconds(Self.nanoseconds(elapsed))
    }

    /// Counts one call to the hub or the core, and observes its duration.
    public func recordCall(peer: String, method: String, resource: String, outcome: String, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let labels = [("method", method), ("peer", peer), ("resource", resource)]
        counter("pm_calls_total", labels + [("outcome", outcome)]).increment()
        timer("pm_call_duration_seconds", labels).recordNanoseconds(Self.nanoseconds(elapsed))
    }

    /// Observes a duration in a histogram (the latency buckets).
    public func observe(_ name: String, labels: [String: String] = [:], seconds: Double) {
        timer(name, Self.sorted(labels)).recordNanoseconds(Int64((max(seconds, 0) * 1e9).rounded()))
    }

    /// Adds to a counter.
    public func count(_ name: String, labels: [String: String] = [:], by amount: Double = 1) {
        counter(name, Self.sorted(labels)).increment(by: Int64(amount))
    }

    /// Sets a gauge.
    public func gauge(_ name: String, labels: [String: String] = [:], _ value: Double) {
        let key = Key(name, Self.sorted(labels))
        let gauge = handles.withLock { handles in
            if let gauge = handles.gauges[key] { return gauge }
            let gauge = Metrics.Gauge(label: name, dimensions: Self.sorted(labels), factory: factory)
            handles.gauges[key] = gauge
            return gauge
        }
        gauge.record(value)
    }

    /// A counter's total over all its label values, read from the rendered metrics (0 without them).
    public func total(_ name: String) -> Double { sum(name) }

    /// A gauge's value summed over its label values, read from the rendered metrics (0 when never set).
    public func gaugeValue(_ name: String) -> Double { sum(name) }

    /// The metrics in Prometheus' text format; empty when they go to another backend.
    public func render() -> String { registry?.emitToString() ?? "" }

    // MARK: - Handles

    private func counter(_ name: String, _ labels: [(String, String)]) -> Metrics.Counter {
        let key = Key(name, labels)
        return handles.withLock { handles in
            if let counter = handles.counters[key] { return counter }
            let counter = Metrics.Counter(label: name, dimensions: labels, factory: factory)
            handles.counters[key] = counter
            return counter
        }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> Metrics.Timer {
        let key = Key(name, labels)
        return handles.withLock { handles in
            if let timer = handles.timers[key] { return timer }
            let timer = Metrics.Timer(label: name, dimensions: labels, factory: factory)
            handles.timers[key] = timer
            return timer
        }
    }

    private static func sorted(_ labels: [String: String]) -> [(String, String)] {
        labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private func sum(_ name: String) -> Double {
        var total = 0.0
        for line in render().split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return total
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
