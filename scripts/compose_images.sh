#!/usr/bin/env bash
# The compose file's third-party images, assembled locally (no registry here):
#   localhost/compose-postgres:15  Debian's postgresql-15 on localhost/base-debian:bookworm
#   localhost/compose-mailpit:local  github.com/axllent/mailpit from the Go module proxy
# The proxy does not serve the compose file's mailpit v1.21.8; MAILPIT_VERSION is built instead.
# Each image is labelled with a hash of its inputs; a run whose hash matches skips it.
set -euo pipefail

cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers/containers.conf}"
export PATH="$PATH:/usr/local/go/bin" GOFLAGS=-mod=mod CGO_ENABLED=0
MAILPIT_VERSION=v1.27.11
LABEL=org.preview-stack.compose-image
WORK=.tools/compose-images

current() { # image $1 exists with label value $2
    [ "$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" 2>/dev/null)" = "$2" ]
}

hash=$(sha256sum "$0" containers/compose/postgres.Containerfile \
    containers/compose/postgres-entrypoint.sh | sha256sum | cut -c1-16)
if ! current localhost/compose-postgres:15 "$hash"; then
    podman build --network host --format docker --label "$LABEL=$hash" \
        -t localhost/compose-postgres:15 -f containers/compose/postgres.Containerfile containers/compose
fi

hash="$MAILPIT_VERSION,$(sha256sum "$0" containers/compose/mailpit.Containerfile | sha256sum | cut -c1-16)"
if ! current localhost/compose-mailpit:local "$hash"; then
    rm -rf "$WORK/mailpit" && mkdir -p "$WORK/mailpit"
    GOBIN="$PWD/$WORK/mailpit" nice -n 10 go install -trimpath "github.com/axllent/mailpit@$MAILPIT_VERSION"
    podman build --network host --format docker --label "$LABEL=$hash" \
        -t localhost/compose-mailpit:local -f containers/compose/mailpit.Containerfile "$WORK/mailpit"
fi
echo "compose images current: localhost/compose-postgres:15, localhost/compose-mailpit:local ($MAILPIT_VERSION)"
