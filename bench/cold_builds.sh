#!/usr/bin/env bash
# Measures the cold cost of every Go build `make test` depends on, one at a time, each with an
# empty Go build cache and an empty preview-stack cache (the module cache stays warm: downloads
# are not compiled work). Prints one line per build: wall seconds and user+sys CPU seconds, the
# figure that holds on a shared machine. Usage: bench/cold_builds.sh [OUT_DIR]
# (COMPONENTS="kubernetes etcd ..." picks some)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ui_mode=false
if [[ ${1:-} == --ui-server ]]; then ui_mode=true && shift; fi
out=${1:-$(mktemp -d /tmp/cold-builds.XXXXXX)}
mkdir -p "$out"
export PATH=$PATH:/usr/local/go/bin
temporal=$(sed -n 's|^temporal_server = ".*:\([0-9][0-9.]*\)".*|\1|p' "$root/deploy/envctl.toml")
previous=$(cd "$root" && scripts/temporal_previous_minor.sh "$temporal")
ui_version=$(sed -n 's/^temporal_ui = ".*:\(.*\)"/v\1/p' "$root/deploy/envctl.toml")
ui_module=github.com/temporalio/ui-server/v2
(cd / && go mod download "$ui_module@$ui_version" >/dev/null 2>&1) || ui_version=v2.50.1

measure() { # name, command...: one build in fresh caches, under nice -n 10
	local name=$1 scratch=$out/$1
	shift
	rm -rf "$scratch" && mkdir -p "$scratch/gocache" "$scratch/cache"
	GOCACHE=$scratch/gocache PREVIEW_STACK_CACHE=$scratch/cache NICE=10 \
		/usr/bin/time -v -o "$scratch/time.txt" nice -n 10 "$@" >"$scratch/log" 2>&1 ||
		{ echo "$name: FAILED (see $scratch/log)"; return 1; }
	awk -v n="$name" -F': ' '/User time/ {u=$2} /System time/ {s=$2}
		/Elapsed \(wall clock\)/ {split($2, t, ":"); w = (length(t) == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2]}
		END {printf "%-22s wall %7.0f s  cpu %7.0f s (user %.0f + sys %.0f)\n", n, w, u + s, u, s}' \
		"$scratch/time.txt" | tee -a "$out/summary.txt"
	rm -rf "$scratch/gocache" "$scratch/cache"
}

if $ui_mode; then # the UI server build of scripts/temporal_ui_image.sh, without the image
	work=$out/ui-src
	src=$(cd / && go mod download -json "$ui_module@$ui_version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
	rm -rf "$work" && cp -r "$src" "$work" && chmod -R u+w "$work"
	(cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out/ui-server" ./cmd/server/main.go)
	rm -rf "$work"
	exit 0
fi

cd "$root"
load_at_start=$(cut -d" " -f1 /proc/loadavg)
for component in ${COMPONENTS:-kubernetes etcd kwok temporal-$temporal temporal-$previous ui-server}; do
	case $component in
	kubernetes | etcd | kwok) measure "$component" cluster/build.sh "$component" ;;
	temporal-*) measure "$component" scripts/build_temporal.sh "${component#temporal-}" ;;
	ui-server) measure ui-server "$0" --ui-server "$out" ;;
	esac
done
echo "results in $out/summary.txt"
# Its own section of docs/benchmarks.md (bench/sections.py), so other targets' figures stay.
"$root/.venv/bin/python" - "$out/summary.txt" "$load_at_start" <<'PY'
import sys
from bench.sections import write_section

rows = [line.split() for line in open(sys.argv[1], encoding="utf-8") if "wall" in line]
table = ["| build | wall | user+sys CPU |", "|---|---|---|"]
table += [f"| {r[0]} | {r[2]} s | {r[5]} s |" for r in rows]
cpu = sum(float(r[5]) for r in rows)
write_section("cold-builds", "\n".join([
    "## Cold Go builds (`make bench-cold-builds`)",
    "",
    "Each build alone, under `nice -n 10`, with an empty Go build cache and an empty preview-stack "
    "cache (the module cache warm: downloads are not measured). Both wall and CPU time grow with "
    "the host's load (contention inflates CPU time too): compare runs at a similar load. "
    f"1-minute load average when the builds started / ended: {sys.argv[2]} / {open('/proc/loadavg').read().split()[0]}.",
    "",
    *table,
    "",
    f"Total CPU {cpu:.0f} s: on 2 idle cores about {cpu / 2 / 60:.0f} min of wall time.",
]))
PY
