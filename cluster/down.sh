#!/usr/bin/env bash
# make cluster-down: stop the local control plane cluster/up.sh started and remove its state.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
state=${CLUSTER_DIR:-$root/.cluster}
kwok_version=$(awk '$1 == "require" && $2 == "sigs.k8s.io/kwok" {print $3}' "$here/build/kwok/go.mod")
# shellcheck source=cluster/bin_dir.sh
source "$here/bin_dir.sh"
kwokctl=$cluster_bin_dir/kwok-$kwok_version/kwokctl

if [[ ! -d $state/kwok ]]; then
	echo "cluster-down: no local cluster in ${state#"$root"/}; nothing to stop"
	exit 0
fi
KWOK_WORKDIR=$state/kwok "$kwokctl" --name "${CLUSTER_NAME:-envctl}" delete cluster >"$state/delete.log" 2>&1 || { cat "$state/delete.log" >&2; exit 1; }
rm -rf "$state/kwok" "$state/kubeconfig"
echo "cluster-down: stopped"
