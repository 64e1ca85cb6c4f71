#!/usr/bin/env bash
# The experience API against its OpenAPI document (schemas/experience-api.openapi.yaml): schemathesis generates
# requests from every operation's parameters, valid and invalid, and sends them to a running `pm demo` that keeps
# its components up after 20 transfers. It fails on any server error, and on any answer the document does not
# describe (status, content type, headers, body schema), an invalid request that is accepted, or a route served without
# a session.
# Needs schemathesis (PyPI). Usage: ops/ci/experience-api-check.sh [path/to/pm]
set -euo pipefail
cd "$(dirname "$0")/../.."
pm=$(realpath "${1:-.build/debug/pm}")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$pm" demo --transfers 20 --keep-running --experience-port "$port" --directory "$work/demo" > "$work/demo.out" 2>&1 &
demo=$!
trap 'kill -INT "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; rm -rf "$work"' EXIT
# Waits (two minutes at most) until the transfers are done and the components keep running.
for _ in $(seq 1 600); do
    grep -q "keeps running until Ctrl-C" "$work/demo.out" && break
    kill -0 "$demo" 2>/dev/null || { echo "pm demo stopped:"; cat "$work/demo.out"; exit 1; }
    sleep 0.2
done
grep -q "keeps running until Ctrl-C" "$work/demo.out" || { echo "pm demo did not finish its transfers:"; cat "$work/demo.out"; exit 1; }
# Signs in as the demo's admin (its password is printed once, at start): the login form's token and cookie, then the
# session cookie.
password=$(sed -n 's/^portal user *admin *password \([^ ]*\).*/\1/p' "$work/demo.out")
[ -n "$password" ] || { echo "pm demo printed no admin password:"; cat "$work/demo.out"; exit 1; }
form=$(curl -sS -c "$work/cookies" "http://127.0.0.1:$port/login")
token=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
curl -sS -o /dev/null -b "$work/cookies" -c "$work/cookies" --data-urlencode "csrf=$token" --data-urlencode "name=admin" \
    --data-urlencode "password=$password" --data-urlencode "next=/portal" "http://127.0.0.1:$port/login"
session=$(awk '$6 == "pm-session-payerfsp" { print $7 }' "$work/cookies")
[ -n "$session" ] || { echo "cannot sign in to the demo's portal"; exit 1; }
# The session goes where the document's security scheme says (its cookie), so that schemathesis also sends requests
# without it: ignored_auth checks that every route but /health refuses them.
printf '[auth.openapi.session]\napi_key = "%s"\n' "$session" > "$work/schemathesis.toml"
schemathesis --config-file "$work/schemathesis.toml" run schemas/experience-api.openapi.yaml --url "http://127.0.0.1:$port" \
    --checks all --exclude-checks use_after_free,ensure_resource_availability,object_level_authorization \
    --max-examples 60 --seed 1 --workers 2
echo "experience API checks passed"
