import Connector
import Foundation
import ServiceLifecycle
import Synchronization

/// What the technical pages show of the connector itself, gathered by the composition root when a page is asked
/// for: its endpoints and their security, the certificates and keys it uses, and the dead letters on its log.
public struct TechnicalSnapshot: Sendable {
    public struct Endpoint: Sendable, Hashable {
        public var name: String
        public var address: String
        /// How it is secured: `mTLS`, `TLS`, `plain HTTP`.
        public var security: String
        public var note: String
        public init(name: String, address: String, security: String, note: String = "") {
            self.name = name
            self.address = address
            self.security = security
            self.note = note
        }
    }

    /// A certificate or key in use: what it is for, where it is, and (for a certificate) whom it names and until when.
    public struct Credential: Sendable, Hashable {
        public var purpose: String
        public var kind: String
        public var path: String
        public var subject: String?
        public var issuer: String?
        public var notBefore: Int64?
        public var notAfter: Int64?
        /// Why it could not be read, when it could not.
        public var problem: String?
        public init(purpose: String, kind: String, path: String, subject: String? = nil, issuer: String? = nil, notBefore: Int64? = nil,
                    notAfter: Int64? = nil, problem: String? = nil) {
            self.purpose = purpose
            self.kind = kind
            self.path = path
            self.subject = subject
            self.issuer = issuer
            self.notBefore = notBefore
            self.notAfter = notAfter
            self.problem = problem
        }
    }

    public struct DeadLetter: Sendable, Hashable {
        public var position: String
        public var at: Int64
        public var reason: String
        public init(position: String, at: Int64, reason: String) {
            self.position = position
            self.at = at
            self.reason = reason
        }
    }

    public var dfspId: String
    public var endpoints: [Endpoint]
    /// Settings that say how messages are secured (`JWS validation`: `on`, ...).
    public var settings: [(String, String)]
    public var credentials: [Credential]
    public var deadLetters: [DeadLetter]
    public var deadLetterTotal: Int
    /// Why the dead letters could not be read, when they could not.
    public var deadLetterProblem: String?
    /// The checks that the hub answers, newest first (``HubProbe``).
    public var hubChecks: [HubProbe.Check] = []
    /// The processor's consumer group and how many records of each topic it has not read yet (nil: not known).
    public var processorLag: (group: String, topics: [(topic: String, lag: Int64)])?

    public init(dfspId: String, endpoints: [Endpoint] = [], settings: [(String, String)] = [], credentials: [Credential] = [],
                deadLetters: [DeadLetter] = [], deadLetterTotal: Int = 0) {
        self.dfspId = dfspId
        self.endpoints = endpoints
        self.settings = settings
        self.credentials = credentials
        self.deadLetters = deadLetters
        self.deadLetterTotal = deadLetterTotal
    }
}

/// One sample of Prometheus' text format: a metric's name, labels and value.
struct MetricSample: Hashable {
    var name: String
    var labels: [String: String]
    var value: Double

    /// The samples of a text exposition (comments and malformed lines skipped).
    static func parse(_ text: String) -> [MetricSample] {
        var samples: [MetricSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let head = line[..<space]
            var labels: [String: String] = [:]
            var name = String(head)
            if let open = head.firstIndex(of: "{"), head.hasSuffix("}") {
                name = String(head[..<open])
                let body = head[head.index(after: open)..<head.index(before: head.endIndex)]
                var rest = Substring(body)
                while let equals = rest.firstIndex(of: "=") {
                    let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                    rest = rest[rest.index(after: equals)...]
                    guard rest.first == "\"" else { break }
                    rest = rest.dropFirst()
                    var value = ""
                    var escaped = false
                    while let character = rest.first {
                        rest = rest.dropFirst()
                        if escaped { value.append(character == "n" ? "\n" : character); escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { break } else { value.append(character) }
                    }
                    labels[key] = value
                }
            }
            samples.append(MetricSample(name: name, labels: labels, value: value))
        }
        return samples
    }
}

/// Requests of one API and route, from the metrics: how many, how many failed, and how long they took on average.
struct RouteSummary: Hashable {
    var api: String
    var route: String
    var requests: Double = 0
    var errors: Double = 0
    var seconds: Double = 0
    var timed: Double = 0

    /// Per API and route, from `pm_http_requests_total` and `pm_http_request_duration_seconds`; per peer and resource
    /// (`api` is the peer) from `pm_calls_total` and `pm_call_duration_seconds`.
    static func summarize(_ samples: [MetricSample], requests: String, duration: String, group: (String, String), failed: ([String: String]) -> Bool)
        -> [RouteSummary] {
        var routes: [String: RouteSummary] = [:]
        for sample in samples {
            let api = sample.labels[group.0] ?? "", route = sample.labels[group.1] ?? ""
            let key = api + " " + route
            switch sample.name {
            case requests:
                routes[key, default: RouteSummary(api: api, route: route)].requests += sample.value
                if failed(sample.labels) { routes[key, default: RouteSummary(api: api, route: route)].errors += sample.value }
            case duration + "_sum": routes[key, default: RouteSummary(api: api, route: route)].seconds += sample.value
            case duration + "_count": routes[key, default: RouteSummary(api: api, route: route)].timed += sample.value
            default: break
            }
        }
        return routes.values.filter { $0.requests > 0 }.sorted { ($0.api, $0.route) < ($1.api, $1.route) }
    }
}

/// Samples the process's request metrics every `interval`, so that the service page can show rates over the last
/// minute, not only totals since the start.
public final class MetricsSampler: Service, Sendable {
    struct Sample {
        var at: ContinuousClock.Instant
        var routes: [String: RouteSummary]
    }

    /// What one route did over a window: requests and failures per second, and their mean time.
    struct Rate {
        var requestsPerSecond: Double
        var failedShare: Double
        var meanMilliseconds: Double?
    }

    let metrics: HTTPMetrics?
    let interval: Duration
    let keep: Int
    private let samples = Mutex<[Sample]>([])

    public init(metrics: HTTPMetrics?, interval: Duration = .seconds(10), keep: Int = 13) {
        self.metrics = metrics
        self.interval = interval
        self.keep = keep
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            take()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Takes a sample now.
    func take() {
        let routes = RouteSummary.summarize(MetricSample.parse(metrics?.render() ?? ""), requests: "pm_http_requests_total",
                                            duration: "pm_http_request_duration_seconds", group: ("api", "route"),
                                            failed: { ($0["status"].flatMap(Int.init) ?? 0) >= 500 })
        let sample = Sample(at: .now, routes: Dictionary(routes.map { ($0.api + " " + $0.route, $0) }, uniquingKeysWith: { a, _ in a }))
        samples.withLock { samples in
            samples.append(sample)
            if samples.count > keep { samples.removeFirst(samples.count - keep) }
        }
    }

    /// Each route's rates between the newest sample and the oldest one within `window` of it (nil with fewer than two).
    func rates(window: Duration = .seconds(60)) -> (seconds: Double, routes: [String: Rate])? {
        samples.withLock { samples -> (Double, [String: Rate])? in
            guard let newest = samples.last, let oldest = samples.first(where: { newest.at - $0.at <= window + .seconds(1) }), oldest.at < newest.at else {
                return nil
            }
            let elapsed = newest.at - oldest.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var rates: [String: Rate] = [:]
            for (key, now) in newest.routes {
                let before = oldest.routes[key] ?? RouteSummary(api: now.api, route: now.route)
                let requests = now.requests - before.requests
                let timed = now.timed - before.timed
                rates[key] = Rate(requestsPerSecond: requests / seconds, failedShare: requests > 0 ? (now.errors - before.errors) / requests : 0,
                                  meanMilliseconds: timed > 0 ? (now.seconds - before.seconds) * 1000 / timed : nil)
            }
            return (seconds, rates)
        }
    }
}
