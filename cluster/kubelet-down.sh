#!/usr/bin/env bash
# Stops what cluster/kubelet.sh started: its pod and node object, the kubelet, the pod containers,
# containerd; then unmounts whatever is left under /var/lib/kubelet.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster/kubelet/paths.sh
source "$here/kubelet/paths.sh"
k=(kubectl --kubeconfig "$state/kubeconfig" --request-timeout=10s)

stop() { # pid file: TERM the process it names, wait for it to exit
	[[ -f $1 ]] || return 0
	local pid
	pid=$(cat "$1")
	if kill "$pid" 2>/dev/null; then
		while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
	fi
	rm -f "$1"
}

if [[ -f $state/kubeconfig ]]; then
	"${k[@]}" delete pod real-container --ignore-not-found --wait=false >/dev/null 2>&1 || true
	"${k[@]}" delete node "$node" --ignore-not-found >/dev/null 2>&1 || true
fi
stop "$run/kubelet.pid"
if ctr version >/dev/null 2>&1; then
	for task in $(ctr -n k8s.io tasks ls -q); do
		ctr -n k8s.io tasks kill -s KILL "$task" >/dev/null 2>&1 || true
	done
	sleep 1
	for task in $(ctr -n k8s.io tasks ls -q); do ctr -n k8s.io tasks delete -f "$task" >/dev/null 2>&1 || true; done
	for c in $(ctr -n k8s.io containers ls -q); do ctr -n k8s.io containers delete "$c" >/dev/null 2>&1 || true; done
fi
stop "$run/containerd.pid"
# Projected volumes (tmpfs) outlive the kubelet: deepest first.
findmnt -rn -o TARGET | grep -E '^/var/lib/kubelet(/|$)|^/run/containerd/' | sort -r | xargs -r -n1 umount
echo "kubelet-down: kubelet and containerd stopped, node $node removed"
