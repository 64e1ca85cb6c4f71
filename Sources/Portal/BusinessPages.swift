import Foundation
import PMCore
import ReadModel
import ReadSide

/// The business pages: the dashboard, finding transfers, a transfer's detail and timeline, errors, and operations.
struct BusinessPages {
    let store: ProjectionStore
    let now: @Sendable () -> Int64

    static let windows: [(minutes: Int, label: String)] = [(15, "15 minutes"), (60, "1 hour"), (360, "6 hours"), (1440, "24 hours")]

    // MARK: Dashboard

    func dashboard(window requested: String?) async throws -> String {
        let minutes = Self.windows.first { String($0.minutes) == requested }?.minutes ?? 60
        let end = now()
        let start = end - Int64(minutes) * 60_000
        let counts = try await store.statusSummary(start: start, end: end)
        let statistics = try await store.minuteStatistics(since: start - start % 60_000)
        let errors = try await store.errorCounts(start: start, end: end)
        let flows = try await store.hourlyFlow(since: end - 24 * 3_600_000 - end % 3_600_000)
        let choices = Self.windows.map { window in
            "<option value=\"\(window.minutes)\"\(window.minutes == minutes ? " selected" : "")>\(window.label)</option>"
        }.joined()
        var html = """
            <form class="window" method="get" action="/portal/dashboard"><label for="window">Window</label>
            <select id="window" name="window">\(choices)</select> <button type="submit">Show</button></form>
            <section aria-labelledby="tiles-title"><h2 id="tiles-title">Transfers in the window</h2>
            <ul class="tiles" data-live-window="\(minutes)">
            <li class="tile success"><span class="count" data-live="SUCCESS">\(counts[.success] ?? 0)</span> successful</li>
            <li class="tile pending"><span class="count" data-live="PENDING">\(counts[.pending] ?? 0)</span> pending</li>
            <li class="tile error"><span class="count" data-live="ERROR">\(counts[.error] ?? 0)</span> failed</li>
            </ul><p class="live" aria-live="polite" data-live-status>Counts update live.</p></section>
            """
        let success = statistics.map { ($0.minute, $0.completed > 0 ? Double($0.succeeded) * 100 / Double($0.completed) : 0) }
        html += "<section><h2>Success rate per minute</h2>"
        html += Chart.line(id: "success-chart", title: "Successful transfers, percent per minute",
                           summary: summary(success, unit: "%"), series: [Chart.Series(name: "Successful %", style: "s1", points: success)],
                           yMaximum: 100, unit: "%", from: start, to: end)
        html += "</section><section><h2>Time per transfer</h2>"
        let average = statistics.map { ($0.minute, Double($0.averageMilliseconds)) }
        let p95 = statistics.map { ($0.minute, Double($0.percentile95Milliseconds)) }
        html += Chart.line(id: "time-chart", title: "Average and 95th percentile time per transfer, milliseconds per minute",
                           summary: summary(average, unit: " ms average"),
                           series: [Chart.Series(name: "Average", style: "s1", points: average), Chart.Series(name: "95th percentile", style: "s2", points: p95)],
                           unit: " ms", from: start, to: end)
        html += "</section><section><h2>Errors by type</h2>"
        html += Chart.bars(id: "errors-chart", title: "Failed transfers by error", items: errors.map { ("\($0.code) \($0.description)", $0.count) })
        html += "</section><section><h2>Hourly flow, last 24 hours</h2>"
        if flows.isEmpty {
            html += "<p class=\"empty\">No successful transfers in the last 24 hours.</p>"
        } else {
            html += "<div class=\"scroll\"><table><caption class=\"visually-hidden\">Sums of successful transfers per hour and currency</caption>"
            html += "<thead><tr><th scope=\"col\">Hour</th><th scope=\"col\">Currency</th><th scope=\"col\" class=\"number\">Received</th><th scope=\"col\" class=\"number\">Sent</th></tr></thead><tbody>"
            for flow in flows.reversed() {
                html += "<tr><td>\(HTML.time(flow.hour))</td><td>\(HTML.h(flow.currency))</td>"
                html += "<td class=\"number\">\(HTML.h(CurrencyScale.format(flow.inbound, flow.currency)))</td>"
                html += "<td class=\"number\">\(HTML.h(CurrencyScale.format(flow.outbound, flow.currency)))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html + "</section>"
    }

    private func summary(_ points: [(Int64, Double)], unit: String) -> String {
        guard !points.isEmpty else { return "No completed transfers in this window." }
        let values = points.map(\.1)
        return "\(points.count) minutes with completed transfers; lowest \(Chart.label(values.min() ?? 0))\(unit), highest \(Chart.label(values.max() ?? 0))\(unit)."
    }

    // MARK: Transfers

    static let filters: [(name: String, label: String, kind: String)] = [
        ("startTimestamp", "From (UTC)", "datetime-local"), ("endTimestamp", "To (UTC)", "datetime-local"),
        ("direction", "Direction", "direction"), ("status", "Status", "status"), ("currency", "Currency", "text"),
        ("institution", "Institution (DFSP)", "text"), ("senderIdValue", "Payer identifier", "text"),
        ("recipientIdValue", "Payee identifier", "text"), ("minAmount", "Amount from", "number"), ("maxAmount", "Amount to", "number"),
        ("errorCode", "Error code", "text"),
    ]

    /// The search form and one page of its matches, with the total, paging and the CSV export of every match.
    func transfers(_ values: [String: String], errorsOnly: Bool) async throws -> String {
        var values = values
        if errorsOnly { values["status"] = "ERROR" }
        let query = try TransferQuery(Query(values: Self.apiValues(values)))
        let (rows, total) = try await store.transfers(query)
        let action = errorsOnly ? "/portal/errors" : "/portal/transfers"
        var html = "<form class=\"search\" method=\"get\" action=\"\(action)\" role=\"search\">"
        html += "<div class=\"basic\"><label for=\"id\">Transfer id (or a part of it)</label><input id=\"id\" name=\"id\" value=\"\(HTML.h(values["id"]))\"></div>"
        html += "<details\(Self.filters.contains { values[$0.name]?.isEmpty == false && !(errorsOnly && $0.name == "status") } ? " open" : "")><summary>Advanced filters</summary><div class=\"fields\">"
        for filter in Self.filters where !(errorsOnly && filter.name == "status") {
            html += "<div><label for=\"\(filter.name)\">\(filter.label)</label>"
            let value = values[filter.name] ?? ""
            switch filter.kind {
            case "direction": html += select(filter.name, value, ["", "OUTBOUND", "INBOUND"], ["Any", "Sent", "Received"])
            case "status": html += select(filter.name, value, ["", "SUCCESS", "PENDING", "ERROR"], ["Any", "Successful", "Pending", "Failed"])
            case "number": html += "<input id=\"\(filter.name)\" name=\"\(filter.name)\" type=\"number\" step=\"any\" min=\"0\" value=\"\(HTML.h(value))\">"
            default: html += "<input id=\"\(filter.name)\" name=\"\(filter.name)\" type=\"\(filter.kind)\" value=\"\(HTML.h(value))\">"
            }
            html += "</div>"
        }
        html += "</div></details><button type=\"submit\">Search</button></form>"
        let searchParameters = Self.filters.map { ($0.name, values[$0.name]) } + [("id", values["id"])]
        let csv = "/transfers" + HTML.query(Self.apiValues(Dictionary(searchParameters.compactMap { name, value in value.map { (name, $0) } },
                                                                      uniquingKeysWith: { a, _ in a })).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                                            + [("format", "csv")])
        html += "<p class=\"results\"><span data-total>\(total)</span> \(total == 1 ? "transfer" : "transfers") found. "
        html += "<a class=\"button\" href=\"\(HTML.h(csv))\" download>Export all as CSV</a></p>"
        html += table(rows)
        html += pager(values, offset: query.offset, limit: query.limit, total: total, action: action)
        return html
    }

    private func select(_ name: String, _ value: String, _ options: [String], _ labels: [String]) -> String {
        "<select id=\"\(name)\" name=\"\(name)\">" + zip(options, labels).map { option, label in
            "<option value=\"\(option)\"\(option == value ? " selected" : "")>\(label)</option>"
        }.joined() + "</select>"
    }

    /// Form values as the API reads them: a `datetime-local` time (`2026-12-07T10:00`) is read as UTC.
    static func apiValues(_ values: [String: String]) -> [String: String] {
        var values = values.filter { !$0.value.isEmpty }
        for name in ["startTimestamp", "endTimestamp"] {
            guard let value = values[name] else { continue }
            if value.count == 16 { values[name] = value + ":00Z" } else if value.count == 19 { values[name] = value + "Z" }
        }
        return values
    }

    func table(_ rows: [TransferRow]) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">No transfer matches.</p>" }
        var html = "<div class=\"scroll\"><table class=\"transfers\"><caption class=\"visually-hidden\">Transfers, newest first</caption><thead><tr>"
        for heading in ["Transfer", "Initiated", "Direction", "Amount", "Counterparty", "Payer", "Payee", "Status"] {
            html += "<th scope=\"col\"\(heading == "Amount" ? " class=\"number\"" : "")>\(heading)</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            let id = row.displayId
            html += "<tr><td><a href=\"/portal/transfers/\(HTML.h(HTML.encode(id)))\" class=\"mono\">\(HTML.h(String(id.prefix(8))))…</a></td>"
            html += "<td>\(HTML.timeElement(row.initiatedAt))</td><td>\(row.direction == .outbound ? "Sent" : "Received")</td>"
            html += "<td class=\"number\">\(CurrencyScale.money(row.amount, row.currency))</td><td>\(HTML.h(row.institution ?? "—"))</td>"
            html += "<td>\(HTML.h(row.payer.idValue ?? "—"))</td><td>\(HTML.h(row.payee.idValue ?? "—"))</td>"
            html += "<td>\(HTML.status(row.status))\(row.errorCode.map { " <span class=\"code\">\(HTML.h($0))</span>" } ?? "")</td></tr>"
        }
        return html + "</tbody></table></div>"
    }

    private func pager(_ values: [String: String], offset: Int, limit: Int, total: Int, action: String) -> String {
        guard total > limit else { return "" }
        func link(_ target: Int, _ label: String, rel: String) -> String {
            var parameters = values
            parameters["offset"] = String(target)
            parameters["limit"] = String(limit)
            return "<a rel=\"\(rel)\" href=\"\(action)\(HTML.h(HTML.query(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })))\">\(label)</a>"
        }
        var html = "<nav class=\"pager\" aria-label=\"Pages\">"
        if offset > 0 { html += link(max(0, offset - limit), "Newer", rel: "prev") }
        html += "<span>\(offset + 1)–\(min(offset + limit, total)) of \(total)</span>"
        if offset + limit < total { html += link(offset + limit, "Older", rel: "next") }
        return html + "</nav>"
    }

    // MARK: One transfer

    func transfer(_ id: String) async throws -> (title: String, body: String)? {
        guard let row = try await store.transfer(id: id) else { return nil }
        let timeline = try await store.timeline(of: row)
        var html = "<p>\(HTML.status(row.status)) <span class=\"state\">\(HTML.h(row.state))</span></p>"
        html += "<div class=\"panels\"><section class=\"panel\"><h2>Terms</h2><dl>"
        html += item("Direction", row.direction == .outbound ? "Sent by this DFSP's customer" : "Received by this DFSP's customer")
        html += item("Amount", CurrencyScale.money(row.amount, row.currency), raw: true)
        html += item("Amount type", row.amountType)
        html += item("Transfer amount", CurrencyScale.money(row.transferAmount, row.currency), raw: true)
        html += item("Payee receives", CurrencyScale.money(row.payeeReceiveAmount, row.currency), raw: true)
        html += item("Payee fee", CurrencyScale.money(row.payeeFspFee, row.currency), raw: true)
        html += item("Scenario", row.scenario)
        html += item("Note", row.note)
        html += item("Initiated", HTML.timeElement(row.initiatedAt), raw: true)
        html += item("Completed", HTML.timeElement(row.completedAt), raw: true)
        html += item("Duration", row.durationMilliseconds.map { "\($0) ms" })
        if let code = row.errorCode { html += item("Error", "\(code) \(row.errorDescription ?? "")") }
        html += "</dl></section><section class=\"panel\"><h2>Parties</h2><dl>"
        for (label, party) in [("Payer", row.payer), ("Payee", row.payee)] {
            html += item(label, [party.name, party.idType.map { "\($0) \(party.idValue ?? "")" }, party.idSubValue, party.dfsp.map { "at \($0)" }]
                .compactMap { $0 }.joined(separator: " · "))
        }
        html += "</dl></section><section class=\"panel\"><h2>Technical ids</h2><dl class=\"mono\">"
        html += item("Transfer id", row.transferId)
        html += item("Home transaction id", row.homeTransactionId)
        html += item("Quote id", row.quoteId)
        html += item("Transaction id", row.transactionId)
        html += item("Transaction request id", row.transactionRequestId)
        html += "</dl></section></div>"
        html += "<section><h2>Timeline</h2>" + Self.timeline(timeline) + "</section>"
        return ("Transfer \(row.displayId)", html)
    }

    private func item(_ label: String, _ value: String?, raw: Bool = false) -> String {
        guard let value, !value.isEmpty else { return "" }
        return "<dt>\(HTML.h(label))</dt><dd>\(raw ? value : HTML.h(value))</dd>"
    }

    /// Every fact and event in order; each message received or sent with its headers and body, behind a disclosure.
    static func timeline(_ entries: [TimelineEntry]) -> String {
        guard !entries.isEmpty else { return "<p class=\"empty\">No records yet.</p>" }
        var html = "<ol class=\"timeline\">"
        for entry in entries {
            let payload = entry.payload
            var title = "<span class=\"kind \(entry.kind.rawValue)\">\(entry.kind == .event ? "event" : "fact")</span> <code>\(HTML.h(entry.type))</code>"
            var message: (headers: JSONValue?, body: JSONValue?)?
            if entry.kind == .fact, entry.type == "fspiop.received" {
                title += " — received <code>\(HTML.h(payload["method"]?.stringValue)) \(HTML.h(payload["path"]?.stringValue))</code> from \(HTML.h(payload["source"]?.stringValue))"
                if let jws = payload["jws"]?.stringValue { title += " <span class=\"jws\">JWS: \(HTML.h(jws))</span>" }
                message = (payload["headers"], payload["body"])
            } else if entry.kind == .fact, entry.type == "effect.completed" {
                title += " — sent <code>\(HTML.h(payload["method"]?.stringValue)) \(HTML.h(payload["url"]?.stringValue))</code>"
                title += payload["status"].map { " → \(HTML.h(CanonicalJSON.string($0)))" } ?? " → \(HTML.h(payload["error"]?.stringValue ?? "no answer"))"
                message = (payload["headers"], payload["body"])
            }
            html += "<li><div class=\"when\">\(HTML.timeElement(entry.occurredAt))</div><details><summary>\(title)</summary>"
            if let message {
                if let headers = message.headers { html += "<h3>Headers</h3><pre>\(HTML.json(headers))</pre>" }
                if let body = message.body { html += "<h3>Body</h3><pre>\(HTML.json(body))</pre>" }
            } else {
                html += "<pre>\(HTML.json(payload))</pre>"
            }
            html += "<p class=\"position\">\(HTML.h(entry.position.topic)) · partition \(entry.position.partition) · offset \(entry.position.offset)</p>"
            html += "</details></li>"
        }
        return html + "</ol>"
    }

    // MARK: Operations

    func operations(_ values: [String: String]) async throws -> String {
        let query = try OperationQuery(Query(values: Self.apiValues(values)))
        let (rows, total) = try await store.operations(query)
        let kinds: [(String, String)] = [("", "Any"), ("PARTY_LOOKUP", "Party lookups"), ("REQUEST_TO_PAY", "Requests to pay sent"),
                                         ("TRANSACTION_REQUEST", "Requests to pay received"), ("BULK_QUOTE", "Bulk quotes"),
                                         ("BULK_TRANSFER", "Bulk transfers"), ("RELAYED", "Relayed for the core")]
        var html = "<form class=\"search\" method=\"get\" action=\"/portal/operations\" role=\"search\"><div class=\"fields\">"
        html += "<div><label for=\"kind\">Kind</label>" + select("kind", values["kind"] ?? "", kinds.map(\.0), kinds.map(\.1)) + "</div>"
        html += "<div><label for=\"status\">Status</label>" + select("status", values["status"] ?? "", ["", "SUCCESS", "PENDING", "ERROR"],
                                                                     ["Any", "Successful", "Pending", "Failed"]) + "</div>"
        html += "<div><label for=\"partyIdValue\">Party identifier</label><input id=\"partyIdValue\" name=\"partyIdValue\" value=\"\(HTML.h(values["partyIdValue"]))\"></div>"
        html += "</div><button type=\"submit\">Search</button></form>"
        html += "<p class=\"results\">\(total) found.</p>"
        guard !rows.isEmpty else { return html + "<p class=\"empty\">None matches.</p>" }
        html += "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Id</th><th scope=\"col\">Started</th>"
        html += "<th scope=\"col\">Counterparty</th><th scope=\"col\">Party</th><th scope=\"col\" class=\"number\">Amount</th><th scope=\"col\">Status</th></tr></thead><tbody>"
        for row in rows {
            html += "<tr><td>\(HTML.h(kinds.first { $0.0 == row.kind.rawValue }?.1 ?? row.kind.rawValue))</td><td class=\"mono\">\(HTML.h(row.id))</td>"
            html += "<td>\(HTML.timeElement(row.startedAt))</td><td>\(HTML.h(row.counterparty ?? "—"))</td>"
            html += "<td>\(HTML.h([row.party.name, row.party.idValue].compactMap { $0 }.joined(separator: " · ")))</td>"
            html += "<td class=\"number\">\(CurrencyScale.money(row.amount, row.currency))</td>"
            html += "<td>\(HTML.status(row.status)) <span class=\"state\">\(HTML.h(row.state))</span></td></tr>"
        }
        return html + "</tbody></table></div>"
    }
}
