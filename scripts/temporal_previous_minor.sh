#!/usr/bin/env bash
# Prints the newest release of the minor before <version> that the Go module proxy lists and
# this machine's Go can build (its go.mod's `go` line; no toolchain downloads). It is the
# upgrade test's starting point, kept in the Temporal build cache (scripts/build_temporal.sh) so later runs need no network and
# keep testing from the same release.
set -euo pipefail
version="${1:?usage: temporal_previous_minor.sh <version, e.g. 1.31.1>}"
[[ "$version" =~ ^([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || { echo "temporal_previous_minor.sh: version must be N.N.N, got '$version'" >&2; exit 2; }
previous_minor="${BASH_REMATCH[1]}.$((BASH_REMATCH[2] - 1))"
cache="${PREVIEW_STACK_CACHE:-$HOME/.cache/preview-stack}/temporal/previous-minor-of-$version"
if [[ ! -s "$cache" ]]; then
  go="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  local_go="$("$go" env GOVERSION)"
  local_go="${local_go#go}"
  found=""
  for candidate in $(cd / && "$go" list -m -versions go.temporal.io/server | tr ' ' '\n' \
    | sed -n "s/^v\(${previous_minor//./\\.}\.[0-9]*\)$/\1/p" | sort -t. -k3,3nr); do
    # exits 1 for a release that needs a newer Go, after naming its go.mod
    mod="$(cd / && "$go" mod download -json "go.temporal.io/server@v$candidate" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p' || true)"
    needs="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$mod")"
    if [[ "$(printf '%s\n%s\n' "$needs" "$local_go" | sort -V | tail -1)" == "$local_go" ]]; then
      found="$candidate"
      break
    fi
    echo "temporal_previous_minor.sh: skipping $candidate (needs go $needs, this is go $local_go)" >&2
  done
  [[ -n "$found" ]] || { echo "temporal_previous_minor.sh: no $previous_minor.x of go.temporal.io/server that go $local_go builds" >&2; exit 1; }
  mkdir -p "$(dirname "$cache")" && echo "$found" > "$cache"
fi
cat "$cache"
