#!/usr/bin/env bash
# cluster/kubelet.sh: a real kubelet on this machine (issue 11's stretch), registered as node
# KUBELET_NODE with a running `CLUSTER_REAL_NODES=1 make cluster-up` control plane, on containerd + runc (cgroupfs),
# then one hostNetwork pod whose container's exit code is read back from the API server.
# Images come from podman (`ctr -n k8s.io images import`); nothing is pulled. Stop: kubelet-down.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster/kubelet/paths.sh
source "$here/kubelet/paths.sh"
image=${KUBELET_POD_IMAGE:-localhost/base-debian:bookworm}
# shellcheck source=cluster/bin_dir.sh
source "$here/bin_dir.sh"
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/containers/containers.conf}
k=(kubectl --kubeconfig "$state/kubeconfig")

fail() {
	echo "kubelet: $*" >&2
	exit 1
}
wait_for() { # seconds, description, command...: poll until the command succeeds
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || fail "$what did not happen within the time allowed; logs in ${run#"$root"/}/"
		sleep 0.5
	done
}

"${k[@]}" get --raw /readyz >/dev/null 2>&1 || fail "no control plane answers at $state/kubeconfig; run CLUSTER_REAL_NODES=1 make cluster-up first"
[[ -f $state/real-nodes ]] || fail "this control plane's kwok fakes every node, the kubelet's too; restart it with make cluster-down && CLUSTER_REAL_NODES=1 make cluster-up"
"$here/build.sh" kubelet
kube_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$here/build/kubernetes/go.mod")
kubelet=$cluster_bin_dir/kubelet-$kube_version/kubelet
mkdir -p "$run"

if ! ctr version >/dev/null 2>&1; then
	containerd --config "$here/kubelet/containerd.toml" >"$run/containerd.log" 2>&1 &
	echo $! >"$run/containerd.pid"
	wait_for 30 "containerd answering on /run/containerd/containerd.sock" ctr version
fi

# The sandbox image: a static pause program, packaged by podman from scratch.
if ! podman image exists localhost/pause:local; then
	gcc -static -O2 -o "$run/pause" "$here/kubelet/pause.c"
	podman build --quiet -t localhost/pause:local -f "$here/kubelet/Containerfile" "$run" >/dev/null
fi
for img in localhost/pause:local "$image"; do
	podman save "$img" | ctr -n k8s.io images import - >/dev/null
done

if ! [[ -f $run/kubelet.pid ]] || ! kill -0 "$(cat "$run/kubelet.pid")" 2>/dev/null; then
	"$kubelet" --config "$here/kubelet/config.yaml" --kubeconfig "$state/kubeconfig" \
		--hostname-override "$node" --node-labels type=real ${KUBELET_EXTRA_ARGS:-} >"$run/kubelet.log" 2>&1 &
	echo $! >"$run/kubelet.pid"
fi
wait_for 120 "node $node Ready" "${k[@]}" wait --for=condition=Ready --timeout=5s "node/$node"
echo "kubelet: node $node Ready (kubelet $kube_version on containerd $(containerd --version | awk '{print $3}'))"

"${k[@]}" delete pod real-container --ignore-not-found --wait=true >/dev/null
sed -e "s|@NODE@|$node|" -e "s|@IMAGE@|$image|" "$here/kubelet/pod.yaml" | "${k[@]}" apply -f - >/dev/null
exit_code() { "${k[@]}" get pod real-container -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}'; }
phase() { "${k[@]}" get pod real-container -o jsonpath='{.status.phase}'; }
has_exited() { [[ $(phase) == Succeeded || $(phase) == Failed ]]; }
wait_for 120 "pod real-container's container finishing" has_exited
echo "kubelet: pod real-container ran on $node: phase $(phase), exit code $(exit_code)"
