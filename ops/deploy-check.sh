#!/usr/bin/env bash
# Checks the deployment files with tools: the systemd unit (systemd-analyze verify, with a pm binary in place), the
# compose file (docker-compose config), Prometheus's compose configuration (promtool check config), and the
# Kubernetes manifests against the Kubernetes API schemas (kubernetes-validate, offline).
#   ops/deploy-check.sh PM_BINARY
# Needs systemd, docker-compose and prometheus (Debian), and kubernetes-validate (PyPI).
set -euo pipefail
pm=$(realpath "$1")
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The unit as written, with its ExecStart pointing at the pm given (systemd-analyze checks that it is executable).
sed "s|/usr/local/bin/pm|$pm|g" systemd/payment-manager.service > "$work/payment-manager.service"
systemd-analyze verify "$work/payment-manager.service"
echo "systemd unit: ok"

mkdir -p "$work/compose/secrets" "$work/compose/jws-keys" "$work/monitoring"
cp -r compose/. "$work/compose/"
cp compose/pm.env.example "$work/compose/pm.env"
cp monitoring/alerts.yml monitoring/grafana-dashboard.json "$work/monitoring/"
(cd "$work/compose" && docker-compose -f compose.yaml config -q)
echo "compose file: ok"

sed "s|/etc/prometheus/alerts.yml|$PWD/monitoring/alerts.yml|; s|/etc/prometheus/pm-token|$work/token|g" compose/prometheus.yml > "$work/prometheus.yml"
echo token > "$work/token"
promtool check config "$work/prometheus.yml"

kubernetes-validate --strict kubernetes/payment-manager.yaml
echo "deployment checks passed"
