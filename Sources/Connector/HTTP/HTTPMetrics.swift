import Foundation
import Synchronization

/// Prometheus metrics of the connector: every API request (inbound FSPIOP, outbound), every call to the
/// hub and the core, and the processor's work, rendered in the text exposition format at `/metrics`.
public final class HTTPMetrics: Sendable {
    private struct Series: Hashable {
        var name: String
        var labels: [String]
    }

    private struct Histogram {
        var buckets: [Int]
        var sum: Double = 0
        var count = 0
    }

    /// Upper bounds of the latency buckets, in seconds.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct State {
        var counters: [Series: Double] = [:]
        var histograms: [Series: Histogram] = [:]
        var gauges: [Series: Double] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The label of a request path: `/{resource}`, then `/{id}` when ids follow and `/error` for an error
    /// callback, for a first segment among `resources`; `other` for anything else. Labels come from this fixed
    /// set, so requests to unknown paths cannot grow the metrics.
    static func routeLabel(_ path: String, resources: Set<Substring>) -> String {
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
        let seconds = Self.seconds(ContinuousClock.now - start)
        let method = Self.methods.contains(method) ? method : "OTHER"
        let labels = ["api=\"\(api)\"", "method=\"\(method)\"", "route=\"\(route)\"", "status=\"\(status)\""]
        state.withLock { state in
            state.counters[Series(name: "pm_http_requests_total", labels: labels), default: 0] += 1
            Self.observe(&state.histograms[Series(name: "pm_http_request_duration_seconds", labels: Array(labels.prefix(3))),
                                           default: Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))], seconds)
        }
    }

    /// Counts one call to the hub or the core, and observes its duration.
    public func recordCall(peer: String, method: String, resource: String, outcome: String, since start: ContinuousClock.Instant) {
        let seconds = Self.seconds(ContinuousClock.now - start)
        let labels = ["peer=\"\(peer)\"", "method=\"\(method)\"", "resource=\"\(resource)\""]
        state.withLock { state in
            state.counters[Series(name: "pm_calls_total", labels: labels + ["outcome=\"\(outcome)\""]), default: 0] += 1
            Self.observe(&state.histograms[Series(name: "pm_call_duration_seconds", labels: labels),
                                           default: Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))], seconds)
        }
    }

    /// Observes a duration in a histogram (the latency buckets).
    public func observe(_ name: String, labels: [String: String] = [:], seconds: Double) {
        let series = Series(name: name, labels: labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" })
        state.withLock { state in
            Self.observe(&state.histograms[series, default: Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))], seconds)
        }
    }

    /// Adds to a counter.
    public func count(_ name: String, labels: [String: String] = [:], by amount: Double = 1) {
        let series = Series(name: name, labels: labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" })
        state.withLock { $0.counters[series, default: 0] += amount }
    }

    /// Sets a gauge.
    public func gauge(_ name: String, labels: [String: String] = [:], _ value: Double) {
        let series = Series(name: name, labels: labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" })
        state.withLock { $0.gauges[series] = value }
    }

    /// A counter's total over all its label values.
    public func total(_ name: String) -> Double {
        state.withLock { state in state.counters.filter { $0.key.name == name }.reduce(0) { $0 + $1.value } }
    }

    /// A gauge's value summed over its label values (0 when never set).
    public func gaugeValue(_ name: String) -> Double {
        state.withLock { state in state.gauges.filter { $0.key.name == name }.reduce(0) { $0 + $1.value } }
    }

    /// The metrics in Prometheus' text format.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        func line(_ name: String, _ labels: [String], _ value: Double) {
            out += labels.isEmpty ? name : "\(name){\(labels.joined(separator: ","))}"
            out += " \(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value))\n"
        }
        var typed: Set<String> = []
        for (series, value) in snapshot.counters.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            if typed.insert(series.name).inserted { out += "# TYPE \(series.name) counter\n" }
            line(series.name, series.labels, value)
        }
        for (series, value) in snapshot.gauges.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            if typed.insert(series.name).inserted { out += "# TYPE \(series.name) gauge\n" }
            line(series.name, series.labels, value)
        }
        for (series, histogram) in snapshot.histograms.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            if typed.insert(series.name).inserted { out += "# TYPE \(series.name) histogram\n" }
            var cumulative = 0
            for (index, bound) in Self.bounds.enumerated() {
                cumulative += histogram.buckets[index]
                line(series.name + "_bucket", series.labels + ["le=\"\(bound)\""], Double(cumulative))
            }
            line(series.name + "_bucket", series.labels + ["le=\"+Inf\""], Double(histogram.count))
            line(series.name + "_sum", series.labels, histogram.sum)
            line(series.name + "_count", series.labels, Double(histogram.count))
        }
        return out
    }

    private static func observe(_ histogram: inout Histogram, _ seconds: Double) {
        if let index = bounds.firstIndex(where: { seconds <= $0 }) { histogram.buckets[index] += 1 }
        histogram.sum += seconds
        histogram.count += 1
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
