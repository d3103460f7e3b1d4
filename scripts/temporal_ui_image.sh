#!/usr/bin/env bash
# localhost/temporal-ui:local from source: github.com/temporalio/ui-server/v2 from the Go module
# proxy at the version deploy/envctl.toml pins for temporal_ui, compiled with this machine's Go
# (caches in ~/go and ~/.cache/go-build), on localhost/base-debian:bookworm.
# If the proxy does not serve the pinned version, UI_SERVER_FALLBACK is built instead and the
# image is labelled with both versions (docs/containers.md says which ran).
set -euo pipefail

cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers/containers.conf}"
export PATH="$PATH:/usr/local/go/bin" GOFLAGS=-mod=mod CGO_ENABLED=0
MODULE=github.com/temporalio/ui-server/v2
UI_SERVER_FALLBACK=v2.50.1  # the nearest published version below the pin (2.51.0 is not published)
IMAGE=localhost/temporal-ui:local

pinned=$(sed -n 's/^temporal_ui = ".*:\(.*\)"/v\1/p' deploy/envctl.toml)
version=$pinned
if ! go mod download -json "$MODULE@$version" >/dev/null 2>&1; then
    echo "temporal-ui: $MODULE@$version is not on the Go module proxy; building $UI_SERVER_FALLBACK" >&2
    version=$UI_SERVER_FALLBACK
fi
label="org.preview-stack.ui-server=$version,pinned=$pinned,$(sha256sum "$0" containers/temporal-ui.Containerfile | sha256sum | cut -c1-16)"
if [ "$(podman image inspect --format '{{index .Labels "org.preview-stack.ui-server"}}' "$IMAGE" 2>/dev/null)" = "${label#*=}" ]; then
    echo "$IMAGE current ($version)"; exit 0
fi
src=$(go mod download -json "$MODULE@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
work=.tools/temporal-ui/$version
rm -rf "$work" && mkdir -p "$work/config"
cp -r "$src" "$work/src" && chmod -R u+w "$work/src"  # the module cache is read-only
(cd "$work/src" && nice -n 10 go build -trimpath -ldflags "-s -w" -o ../ui-server ./cmd/server/main.go)
cp "$work/src/config/docker.yaml" "$work/config/docker.yaml"
podman build --network host --label "$label" -t "$IMAGE" -f containers/temporal-ui.Containerfile \
    --build-arg BASE_IMAGE=localhost/base-debian:bookworm "$work"
rm -rf "$work/src"
echo "$IMAGE built from $MODULE@$version (pinned $pinned)"
