#!/usr/bin/env python3
"""Writes ops/monitoring/grafana-dashboard.json: one Grafana dashboard over every metric `pm` exposes.

Run from the repository's root: python3 ops/scripts/gen-grafana-dashboard.py
ops/monitoring/check.sh checks that the dashboard names every metric and that its queries are valid PromQL.
"""
import json

panels = []
y = 0


def row(title):
    global y
    panels.append({"type": "row", "title": title, "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
    y += 1


def panel(title, exprs, unit="short", kind="timeseries", w=8, legend=None, description=""):
    global y, x
    targets = []
    for i, expr in enumerate(exprs):
        target = {"expr": expr, "refId": chr(ord("A") + i), "datasource": {"type": "prometheus", "uid": "${datasource}"}}
        if legend:
            target["legendFormat"] = legend[i] if isinstance(legend, list) else legend
        targets.append(target)
    p = {
        "type": kind, "title": title, "description": description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": targets,
        "gridPos": {"h": 8, "w": w, "x": x, "y": y},
    }
    panels.append(p)
    x += w
    if x >= 24:
        x = 0
        y += 8


x = 0
sel = '{job=~"$job", instance=~"$instance"}'
def s(extra=""):
    inner = 'job=~"$job", instance=~"$instance"' + (", " + extra if extra else "")
    return "{" + inner + "}"

row("Transfers")
panel("Transfers ended per second, by side and state", [f"sum by (side, state) (rate(pm_transfers_total{sel}[$__rate_interval]))"], "ops", legend="{{side}} {{state}}")
payer_completed = s('side="payer", state="completed"')
payer = s('side="payer"')
panel("Success rate (payer)", [f"sum(rate(pm_transfers_total{payer_completed}[$__rate_interval])) / sum(rate(pm_transfers_total{payer}[$__rate_interval]))"], "percentunit")
panel("Transfer duration p50 / p95 / p99", [f"histogram_quantile({q}, sum by (le, side) (rate(pm_transfer_duration_seconds_bucket{sel}[$__rate_interval])))" for q in ("0.5", "0.95", "0.99")], "s", legend=["p50 {{side}}", "p95 {{side}}", "p99 {{side}}"])

row("APIs")
panel("Requests per second by API, route and status", [f"sum by (api, route, status) (rate(pm_http_requests_total{sel}[$__rate_interval]))"], "reqps", legend="{{api}} {{route}} {{status}}")
panel("Request latency p99 by API and route", [f"histogram_quantile(0.99, sum by (le, api, route) (rate(pm_http_request_duration_seconds_bucket{sel}[$__rate_interval])))"], "s", legend="{{api}} {{route}}")
panel("Refused: before authentication, unauthorized, overload, connections", [
    f"sum by (reason) (rate(pm_inbound_refused_total{sel}[$__rate_interval]))",
    f"sum(rate(pm_outbound_unauthorized_total{sel}[$__rate_interval]))",
    f"sum by (api, reason) (rate(pm_overload_refused_total{sel}[$__rate_interval]))",
    f"sum by (server, reason) (rate(pm_connections_refused_total{sel}[$__rate_interval]))",
], "reqps", legend=["inbound {{reason}}", "outbound unauthorized", "overload {{api}} {{reason}}", "connections {{server}} {{reason}}"])

row("Hub and core")
panel("Calls per second by peer, resource and outcome", [f"sum by (peer, resource, outcome) (rate(pm_calls_total{sel}[$__rate_interval]))"], "ops", legend="{{peer}} {{resource}} {{outcome}}")
panel("Call latency p99 by peer and resource", [f"histogram_quantile(0.99, sum by (le, peer, resource) (rate(pm_call_duration_seconds_bucket{sel}[$__rate_interval])))"], "s", legend="{{peer}} {{resource}}")
hub_failing = s('peer="hub", outcome!="ok"')
panel("Hub calls failing (unreachable or refused)", [f"sum by (outcome) (rate(pm_calls_total{hub_failing}[$__rate_interval]))"], "ops", legend="{{outcome}}")

row("JWS and the hub's checks")
panel("JWS signatures and verifications per second", [
    f"sum(rate(pm_jws_signatures_total{sel}[$__rate_interval]))",
    f"sum by (outcome) (rate(pm_jws_verifications_total{sel}[$__rate_interval]))",
], "ops", legend=["signed", "verified {{outcome}}"])
panel("Hub pings by outcome", [f"sum by (outcome) (increase(pm_pings_total{sel}[$__rate_interval]))"], "short", legend="{{outcome}}")
panel("Unauthorized calls to the outbound API", [f"sum(increase(pm_outbound_unauthorized_total{sel}[$__rate_interval]))"], "short")

row("Processor and log")
panel("Facts processed per second", [f"sum(rate(pm_processor_facts_total{sel}[$__rate_interval]))"], "ops")
panel("Consumer lag and backlog", [
    f"sum by (group) (pm_log_consumer_lag{sel})",
    f"sum(pm_backlog_facts{sel})",
    f"sum(pm_effects_in_flight{sel})",
], "short", legend=["lag {{group}}", "facts not processed", "effects in flight"])
panel("Dead letters (increase)", [f"sum(increase(pm_dead_letters_total{sel}[$__rate_interval]))"], "short")
panel("Transfers in memory", [f"sum by (instance) (pm_processor_transfers_in_memory{sel})"], "short", legend="{{instance}}")
panel("Leader (1) and standby (0) processors", [f"pm_processor_leader{sel}"], "short", legend="{{instance}}")
panel("Events folded at the last start; backlog measure failures", [
    f"pm_processor_recovery_events_folded{sel}",
    f"sum(increase(pm_backlog_measure_failures_total{sel}[$__rate_interval]))",
], "short", legend=["folded {{instance}}", "measure failures"])

row("Read side")
panel("Projection lag (records not applied)", [f"max by (projection) (pm_projection_lag{sel})"], "short", legend="{{projection}}")
panel("Records projected per second", [f"sum by (outcome) (rate(pm_projection_records_total{sel}[$__rate_interval]))"], "ops", legend="{{outcome}}")
panel("Read-model rows", [f"max by (table) (pm_projection_rows{sel})"], "short", legend="{{table}}")

dashboard = {
    "title": "Payment Manager",
    "uid": "payment-manager",
    "description": "Every metric pm exposes at /metrics: transfers, APIs, calls to the hub and the core, JWS, the processor, the log and the read side.",
    "editable": True,
    "schemaVersion": 39,
    "version": 1,
    "time": {"from": "now-1h", "to": "now"},
    "refresh": "30s",
    "tags": ["mojaloop", "payment-manager"],
    "templating": {"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
        {"name": "job", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "query": "label_values(pm_http_requests_total, job)", "includeAll": True, "multi": True, "current": {"text": "All", "value": "$__all"}},
        {"name": "instance", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "query": 'label_values(pm_http_requests_total{job=~"$job"}, instance)', "includeAll": True, "multi": True,
         "current": {"text": "All", "value": "$__all"}},
    ]},
    "panels": panels,
}
with open("ops/monitoring/grafana-dashboard.json", "w") as f:
    json.dump(dashboard, f, indent=2)
    f.write("\n")
