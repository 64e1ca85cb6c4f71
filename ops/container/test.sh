#!/usr/bin/env bash
# Builds the container image without a registry (build-local.sh) and runs `pm demo --transfers 20` inside it, as its
# non-root user, in a root file system without Swift: the demo must complete every transfer and its books must add up.
set -euo pipefail
cd "$(dirname "$0")/../.."
image=$(ops/container/build-local.sh localhost/payment-manager:test)
container=$(buildah from "$image")
trap 'buildah rm "$container" >/dev/null 2>&1 || true; buildah rmi "$image" >/dev/null 2>&1 || true' EXIT
[ "$(buildah inspect --format '{{.OCIv1.Config.User}}' "$container")" = "10001:10001" ] || { echo "the image does not run as pm" >&2; exit 1; }
if buildah run --isolation chroot "$container" -- sh -c 'ls /usr/lib/swift /usr/lib/x86_64-linux-gnu/libswiftCore.so' >/dev/null 2>&1; then
    echo "the image holds Swift's runtime; pm must not need it" >&2
    exit 1
fi
output=$(buildah run --isolation chroot --user 10001:10001 "$container" -- \
    /usr/local/bin/pm demo --transfers 20 --directory /var/lib/pm/demo 2>&1)
echo "$output" | tail -n 4
echo "$output" | grep -q '^Summary: 18 completed, 2 failed (3204: 2)' || { echo "the demo did not complete its transfers in the image" >&2; exit 1; }
echo "$output" | grep -q '(they add up)' || { echo "the books do not add up" >&2; exit 1; }
echo "container test passed: pm demo ran in $image as uid 10001"
