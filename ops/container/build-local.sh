#!/usr/bin/env bash
# Builds Payment Manager's container image without a container registry: `pm` built on this machine with the Swift
# runtime linked statically (the Containerfile's build stage), and a runtime root file system made from Debian's
# packages with mmdebstrap (the Containerfile's runtime stage), assembled with buildah. The image has the same
# layout as the Containerfile's: /usr/local/bin/pm, user pm (uid 10001), /var/lib/pm, `pm serve` by default.
#
#   ops/container/build-local.sh [IMAGE]        # default IMAGE: localhost/payment-manager:latest
#
# Needs: swift, buildah, mmdebstrap (apt-get install buildah mmdebstrap), and Debian's package mirrors.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Progress goes to standard error; standard output carries only the image's name.
exec 3>&1 1>&2
image=${1:-localhost/payment-manager:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --static-swift-stdlib --product pm
strip -o "$work/pm" .build/release/pm
# A binary that needs Swift's runtime libraries would not run in the image: none may be linked dynamically.
if ldd "$work/pm" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    echo "build-local.sh: pm links Swift's runtime dynamically" >&2
    exit 1
fi

mmdebstrap --variant=minbase --include=libssl3,libsqlite3-0,librdkafka1,libstdc++6,ca-certificates,curl \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$work/rootfs.tar"

container=$(buildah from scratch)
trap 'buildah rm "$container" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
buildah add "$container" "$work/rootfs.tar" / >/dev/null
buildah copy --chown 0:0 --chmod 0755 "$container" "$work/pm" /usr/local/bin/pm >/dev/null
buildah run --isolation chroot "$container" -- sh -c \
    'useradd --system --uid 10001 --user-group --home-dir /var/lib/pm --create-home --shell /usr/sbin/nologin pm && chmod 0700 /var/lib/pm'
buildah config --user 10001:10001 --workingdir /var/lib/pm --env PM_DATA_DIR=/var/lib/pm/data \
    --port 4000 --port 4001 \
    --healthcheck 'CMD curl -fsS http://127.0.0.1:4001/ready || exit 1' --healthcheck-interval 10s --healthcheck-timeout 3s \
    --healthcheck-start-period 30s \
    --entrypoint '["/usr/local/bin/pm"]' --cmd serve \
    --label org.opencontainers.image.title="Payment Manager" "$container"
buildah commit --format docker --quiet "$container" "$image" >/dev/null
echo "$image" >&3
