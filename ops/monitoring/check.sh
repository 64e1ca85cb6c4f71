#!/usr/bin/env bash
# Checks the monitoring files with tools: the alerting rules (`promtool check rules`, and their unit tests with
# `promtool test rules`), and the Grafana dashboard: valid JSON, every query valid PromQL (checked by promtool as
# recording rules), and every metric pm exposes (every `pm_*` name in Sources/) shown by some panel.
# Needs promtool (Debian's prometheus package) and python3.
set -euo pipefail
cd "$(dirname "$0")"
promtool check rules alerts.yml
promtool test rules alerts.test.yml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/dashboard-rules.yml" <<'PY'
import json, re, sys
dashboard = json.load(open("grafana-dashboard.json"))
exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
assert exprs, "the dashboard has no queries"
# Grafana's variables, replaced by values PromQL accepts, so that promtool parses each query.
def concrete(e):
    return e.replace("$__rate_interval", "5m").replace("$job", ".*").replace("$instance", ".*")
with open(sys.argv[1], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:query:{i}\n        expr: {json.dumps(concrete(e))}\n")
names = set()
for root, _, files in __import__("os").walk("../../Sources"):
    for name in files:
        if name.endswith(".swift"):
            names |= set(re.findall(r'"(pm_[a-z_]+)"', open(f"{root}/{name}").read()))
text = " ".join(exprs)
missing = sorted(n for n in names if not re.search(rf"\b{n}(_bucket|_count|_sum)?\b", text))
assert not missing, f"metrics pm exposes that no panel shows: {missing}"
print(f"dashboard: {len(exprs)} queries, {len(names)} metrics, all shown")
PY
promtool check rules "$work/dashboard-rules.yml"
echo "monitoring checks passed"
