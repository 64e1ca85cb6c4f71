import Connector
import Foundation
import ReadSide

/// The technical pages: the connection to the hub, the service's own health, and the credentials in use.
struct TechnicalPages {
    let metrics: HTTPMetrics?
    let sampler: MetricsSampler?
    let service: ProjectionService?
    let now: @Sendable () -> Int64

    func connection(_ snapshot: TechnicalSnapshot, csrf: String) -> String {
        let samples = MetricSample.parse(metrics?.render() ?? "")
        let calls = RouteSummary.summarize(samples, requests: "pm_calls_total", duration: "pm_call_duration_seconds", group: ("peer", "resource"),
                                           failed: { $0["outcome"] != "ok" })
        var html = "<section><h2>The hub</h2><form method=\"post\" action=\"/portal/connection/check\" class=\"window\">"
        html += "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.h(csrf))\"><button type=\"submit\">Check the hub now</button>"
        html += "<span class=\"live\">Checked every 30 seconds: a GET /health to each hub origin over this DFSP's TLS.</span></form>"
        let origins = Array(Set(snapshot.hubChecks.map(\.origin))).sorted()
        if origins.isEmpty {
            html += "<p class=\"empty\">Not checked yet.</p>"
        } else {
            html += "<ul class=\"tiles\">"
            for origin in origins {
                guard let last = snapshot.hubChecks.first(where: { $0.origin == origin }) else { continue }
                html += "<li class=\"tile \(last.reachable ? "success" : "error")\"><span class=\"state\">\(last.reachable ? "Reachable" : "Not reachable")</span>"
                html += "<span class=\"mono\">\(HTML.h(origin))</span><span class=\"live\">checked \(HTML.timeElement(last.at)), \(last.milliseconds) ms</span></li>"
            }
            html += "</ul><h3>Recent checks</h3><div class=\"scroll\"><table class=\"checks\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Origin</th>"
            html += "<th scope=\"col\">Answer</th><th scope=\"col\" class=\"number\">Time</th></tr></thead><tbody>"
            for check in snapshot.hubChecks.prefix(20) {
                html += "<tr><td>\(HTML.timeElement(check.at))</td><td class=\"mono\">\(HTML.h(check.origin))</td>"
                html += "<td>\(check.status.map { "HTTP \($0)" } ?? "none: \(HTML.h(check.error ?? ""))")</td><td class=\"number\">\(check.milliseconds) ms</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        html += "</section><section><h2>Endpoints</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Endpoint</th><th scope=\"col\">Address</th>"
        html += "<th scope=\"col\">Security</th><th scope=\"col\">Note</th></tr></thead><tbody>"
        for endpoint in snapshot.endpoints {
            html += "<tr><th scope=\"row\">\(HTML.h(endpoint.name))</th><td class=\"mono\">\(HTML.h(endpoint.address))</td>"
            html += "<td>\(HTML.h(endpoint.security))</td><td>\(HTML.h(endpoint.note))</td></tr>"
        }
        html += "</tbody></table></div></section><section><h2>Message security</h2><dl>"
        for (name, value) in snapshot.settings { html += "<dt>\(HTML.h(name))</dt><dd>\(HTML.h(value))</dd>" }
        html += "</dl></section><section><h2>Calls to the hub and the core since this process started</h2>"
        html += calls.isEmpty ? "<p class=\"empty\">No call made yet.</p>" : routeTable(calls, caption: "Calls by peer and resource", first: "Peer", second: "Resource")
        return html + "</section>"
    }

    func service(_ snapshot: TechnicalSnapshot) async -> String {
        let samples = MetricSample.parse(metrics?.render() ?? "")
        let routes = RouteSummary.summarize(samples, requests: "pm_http_requests_total", duration: "pm_http_request_duration_seconds",
                                            group: ("api", "route"), failed: { ($0["status"].flatMap(Int.init) ?? 0) >= 500 })
        var html = "<section><h2>Requests served</h2>"
        html += routes.isEmpty ? "<p class=\"empty\">No request served yet.</p>"
            : routeTable(routes, caption: "Requests by API and route", first: "API", second: "Route", rates: sampler?.rates())
        html += "</section><section><h2>The log</h2>"
        if let processor = snapshot.processorLag {
            let total = processor.topics.reduce(Int64(0)) { $0 + $1.lag }
            html += "<p>The processor's consumer group <code>\(HTML.h(processor.group))</code> is \(total) records behind.</p><dl>"
            html += processor.topics.map { "<dt><code>\(HTML.h($0.topic))</code></dt><dd>\($0.lag) records</dd>" }.joined() + "</dl>"
        } else {
            html += "<p class=\"empty\">The processor's lag is not known here.</p>"
        }
        html += "</section><section><h2>Read models</h2>"
        if let service, let lag = try? await service.lag() {
            html += "<dl>" + lag.sorted { $0.key.rawValue < $1.key.rawValue }.map { "<dt>\(HTML.h($0.key.rawValue)) lag</dt><dd>\($0.value) records</dd>" }.joined() + "</dl>"
        } else {
            html += "<p class=\"empty\">The projections' lag is not known here.</p>"
        }
        html += "</section><section><h2>Dead letters</h2>"
        if let problem = snapshot.deadLetterProblem {
            html += "<p class=\"problem\" role=\"alert\">The dead letters cannot be read: \(HTML.h(problem))</p>"
        } else if snapshot.deadLetters.isEmpty {
            html += "<p class=\"empty\">No record was set aside.</p>"
        } else {
            html += "<p>\(snapshot.deadLetterTotal) records set aside; the newest:</p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">When</th>"
            html += "<th scope=\"col\">Position</th><th scope=\"col\">Reason</th></tr></thead><tbody>"
            for letter in snapshot.deadLetters {
                html += "<tr><td>\(HTML.timeElement(letter.at))</td><td class=\"mono\">\(HTML.h(letter.position))</td><td>\(HTML.h(letter.reason))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html + "</section>"
    }

    func credentials(_ snapshot: TechnicalSnapshot) -> String {
        guard !snapshot.credentials.isEmpty else { return "<p class=\"empty\">No certificate or key is configured.</p>" }
        var html = "<div class=\"scroll\"><table><caption class=\"visually-hidden\">Certificates and keys in use</caption><thead><tr>"
        for heading in ["Purpose", "Kind", "Subject", "Issuer", "Valid from", "Expires", "File"] { html += "<th scope=\"col\">\(heading)</th>" }
        html += "</tr></thead><tbody>"
        let current = now()
        for credential in snapshot.credentials {
            var expiry = HTML.timeElement(credential.notAfter)
            if let notAfter = credential.notAfter {
                let days = (notAfter - current) / 86_400_000
                expiry += notAfter < current ? " <span class=\"badge error\">Expired</span>"
                    : days < 30 ? " <span class=\"badge pending\">\(days) days left</span>" : ""
            }
            html += "<tr><th scope=\"row\">\(HTML.h(credential.purpose))</th><td>\(HTML.h(credential.kind))</td>"
            html += "<td>\(HTML.h(credential.problem ?? credential.subject ?? "—"))</td><td>\(HTML.h(credential.issuer ?? "—"))</td>"
            html += "<td>\(HTML.timeElement(credential.notBefore))</td><td>\(expiry)</td><td class=\"mono\">\(HTML.h(credential.path))</td></tr>"
        }
        return html + "</tbody></table></div><p>Private keys are never shown: only the certificates and public keys that go with them.</p>"
    }

    /// Totals since the process started and, with `rates`, the same over the last minute.
    private func routeTable(_ routes: [RouteSummary], caption: String, first: String, second: String,
                            rates: (seconds: Double, routes: [String: MetricsSampler.Rate])? = nil) -> String {
        var html = ""
        if let rates { html += "<p class=\"live\">Rates over the last \(Int(rates.seconds.rounded())) seconds; totals since this process started.</p>" }
        html += "<div class=\"scroll\"><table><caption class=\"visually-hidden\">\(HTML.h(caption))</caption><thead><tr><th scope=\"col\">\(first)</th>"
        html += "<th scope=\"col\">\(second)</th>"
        if rates != nil {
            html += "<th scope=\"col\" class=\"number\">Requests/s</th><th scope=\"col\" class=\"number\">Failed (recent)</th>"
            html += "<th scope=\"col\" class=\"number\">Mean time (recent)</th>"
        }
        html += "<th scope=\"col\" class=\"number\">Requests</th><th scope=\"col\" class=\"number\">Failed</th>"
        html += "<th scope=\"col\" class=\"number\">Mean time</th></tr></thead><tbody>"
        for route in routes {
            let share = route.requests > 0 ? route.errors * 100 / route.requests : 0
            html += "<tr><td>\(HTML.h(route.api))</td><td>\(HTML.h(route.route))</td>"
            if let rates {
                let rate = rates.routes[route.api + " " + route.route]
                html += "<td class=\"number\">\(String(format: "%.2f", rate?.requestsPerSecond ?? 0))</td>"
                html += "<td class=\"number\">\(String(format: "%.1f", (rate?.failedShare ?? 0) * 100)) %</td>"
                html += "<td class=\"number\">\(rate?.meanMilliseconds.map { String(format: "%.1f ms", $0) } ?? "—")</td>"
            }
            html += "<td class=\"number\">\(Int(route.requests))</td>"
            html += "<td class=\"number\">\(Int(route.errors)) (\(String(format: "%.1f", share)) %)</td>"
            html += "<td class=\"number\">\(route.timed > 0 ? String(format: "%.1f ms", route.seconds * 1000 / route.timed) : "—")</td></tr>"
        }
        return html + "</tbody></table></div>"
    }
}
