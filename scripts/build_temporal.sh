#!/usr/bin/env bash
# Builds temporal-server and temporal-sql-tool from go.temporal.io/server at one version into
# $PREVIEW_STACK_CACHE/temporal/<version>/bin (default ~/.cache/preview-stack, outside the clone,
# so a fresh clone reuses it), with the module's SQL schemas beside them in .../schema. Skips
# what is already there; prints the cache folder last.
set -euo pipefail
version="${1:?usage: build_temporal.sh <version, e.g. 1.31.1>}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build_temporal.sh: version must be N.N.N, got '$version'" >&2; exit 2; }
cache="${PREVIEW_STACK_CACHE:-$HOME/.cache/preview-stack}/temporal/$version"
go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [[ ! -x "$cache/bin/temporal-server" || ! -x "$cache/bin/temporal-sql-tool" ]]; then
  mkdir -p "$cache"
  stage="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$stage"' EXIT
  start=$(date +%s)
  # CGO off like the official images: static binaries that run on any base; no DWARF (-s -w) links faster.
  CGO_ENABLED=0 GOBIN="$stage" GOFLAGS="${GOFLAGS:-} -trimpath" nice -n "${NICE:-5}" "$go" install -ldflags "-s -w" \
    "go.temporal.io/server/cmd/server@v$version" "go.temporal.io/server/cmd/tools/sql@v$version"
  mkdir -p "$cache/bin"
  mv "$stage/server" "$cache/bin/temporal-server"
  mv "$stage/sql" "$cache/bin/temporal-sql-tool"
  echo "built temporal-server and temporal-sql-tool $version in $(($(date +%s) - start))s -> $cache/bin" >&2
fi
if [[ ! -d "$cache/schema" ]]; then
  module="$(cd / && "$go" mod download -json "go.temporal.io/server@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module/schema" ]] || { echo "build_temporal.sh: no schema/ in '$module'" >&2; exit 1; }
  cp -r "$module/schema" "$cache/schema.part" && chmod -R u+w "$cache/schema.part"
  mv "$cache/schema.part" "$cache/schema"
fi
echo "$cache"
