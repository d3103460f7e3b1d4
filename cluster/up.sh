#!/usr/bin/env bash
# make cluster-up: a local control plane (etcd, kube-apiserver, controller-manager, scheduler,
# kwok for nodes) run by `kwokctl --runtime binary` from the binaries cluster/build.sh built.
# CLUSTER_DIR (default .cluster) holds its kubeconfig and kwok's state; nothing is downloaded.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
state=${CLUSTER_DIR:-$root/.cluster}
# shellcheck source=cluster/bin_dir.sh
source "$here/bin_dir.sh"
bin=$cluster_bin_dir
kubeconfig=$state/kubeconfig
name=${CLUSTER_NAME:-envctl}

fail() {
	echo "cluster-up: $*" >&2
	exit 1
}

"$here/build.sh"
kube_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$here/build/kubernetes/go.mod")
etcd_version=$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" {print $3}' "$here/build/etcd/go.mod")
kwok_version=$(awk '$1 == "require" && $2 == "sigs.k8s.io/kwok" {print $3}' "$here/build/kwok/go.mod")
kube_bin=$bin/kubernetes-$kube_version
kwok_bin=$bin/kwok-$kwok_version
kubectl_binary=$(command -v kubectl) || fail "kubectl is not on PATH (Debian: apt-get install kubectl)"

mkdir -p "$state"
export KWOK_WORKDIR=$state/kwok KWOK_KUBE_VERSION=$kube_version KWOK_KUBECTL_BINARY=$kubectl_binary
kwokctl=("$kwok_bin/kwokctl" --name "$name")

k=(kubectl --kubeconfig "$kubeconfig")
setup() { # idempotent: the node pool, the Doppler CRD and the IngressClass
	"${k[@]}" apply -f "$here/manifests/" >/dev/null
	"${k[@]}" wait --for=condition=Established --timeout=60s crd/dopplersecrets.secrets.doppler.com >/dev/null
	"${k[@]}" wait --for=condition=Ready --timeout=60s node --all >/dev/null
	# Namespaces get their "default" ServiceAccount from the controller-manager: wait for its first.
	"${k[@]}" wait --for=create --timeout=60s serviceaccount/default -n default >/dev/null
}
if [[ -f $kubeconfig ]] && "${k[@]}" get --raw /readyz >/dev/null 2>&1; then
	setup
	echo "cluster-up: already running (KUBECONFIG=${kubeconfig#"$root"/})"
	exit 0
fi
# A stopped or half-made cluster of the same name: remove it, then start clean.
"${kwokctl[@]}" delete cluster >/dev/null 2>&1 || true
rm -f "$kubeconfig"

port=${CLUSTER_API_PORT:-}
if [[ -n $port ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	fail "port $port (CLUSTER_API_PORT) is already in use; choose another or leave it unset for a free one"
fi

# CLUSTER_REAL_NODES=1 (cluster/kubelet.sh): a real kubelet's node is the kubelet's, so kwok
# fakes only the nodes annotated as its own (manifests/pool.yaml). make test leaves it unset.
kwok_nodes=()
rm -f "$state/real-nodes"
if [[ ${CLUSTER_REAL_NODES:-} == 1 ]]; then
	kwok_nodes=(--extra-args kwok-controller=manage-all-nodes=false
		--extra-args kwok-controller=manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake)
	touch "$state/real-nodes"
fi
started=$SECONDS
log=$state/create.log
if ! "${kwokctl[@]}" create cluster --runtime binary --quiet-pull \
	--kube-authorization --kube-admission \
	--extra-args kube-controller-manager=enable-hostpath-provisioner=true \
	"${kwok_nodes[@]}" \
	${port:+--kube-apiserver-port "$port"} \
	--etcd-binary "$bin/etcd-$etcd_version/etcd" \
	--kube-apiserver-binary "$kube_bin/kube-apiserver" \
	--kube-controller-manager-binary "$kube_bin/kube-controller-manager" \
	--kube-scheduler-binary "$kube_bin/kube-scheduler" \
	--kwok-controller-binary "$kwok_bin/kwok" \
	--kubeconfig "$kubeconfig" --wait 3m >"$log" 2>&1; then
	reason=$(grep -iE 'address already in use|bind:|error|failed' "$log" | tail -n 3)
	"${kwokctl[@]}" delete cluster >/dev/null 2>&1 || true
	fail "kwokctl could not start the control plane: ${reason:-see $log}"
fi

setup
echo "cluster-up: Kubernetes $kube_version (etcd $etcd_version, kwok $kwok_version) ready in $((SECONDS - started)) s; export KUBECONFIG=$kubeconfig"
