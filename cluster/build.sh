#!/usr/bin/env bash
# Builds the local control plane from source into <cache>/cluster/bin/<component>-<version>/ (see
# cluster/bin_dir.sh), once per version.
# Usage: cluster/build.sh [kubernetes|etcd|kwok|kubelet]...   (default: the first three; kubelet
# only when asked, for cluster/kubelet.sh)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=cluster/bin_dir.sh
source "$here/bin_dir.sh"
bin_root=$cluster_bin_dir
export PATH=$PATH:/usr/local/go/bin
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

module_version() { # the version a wrapper go.mod pins for one module
	awk -v m="$2" '$1 == "require" && $2 == m {print $3} $1 == m && $2 ~ /^v/ {print $2}' \
		"$here/build/$1/go.mod" | head -n1
}

build() { # component, wrapper module (a folder in cluster/build), version, ldflags, packages...
	local component=$1 module=$2 version=$3 ldflags=$4
	shift 4
	local dest=$bin_root/$component-$version
	if [[ -f $dest/.complete ]]; then
		return 0
	fi
	# One build per component at a time (two `make test` runs at once): the second waits, then reuses.
	mkdir -p "$bin_root"
	exec {lock}>"$dest.lock"
	flock "$lock"
	if [[ -f $dest/.complete ]]; then
		return 0
	fi
	echo "cluster: building $component $version from source (cached in ${dest#"$root"/})" >&2
	local tmp=$dest.partial
	rm -rf "$tmp" && mkdir -p "$tmp"
	local started=$SECONDS log=$bin_root/$component-$version.log
	if ! (cd "$here/build/$module" && nice -n 5 go build -trimpath -ldflags "-s -w $ldflags" \
		-o "$tmp/" "$@") >"$log" 2>&1; then
		echo "cluster: building $component $version failed; the compiler's output is in $log:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
	rm -rf "$dest" && mv "$tmp" "$dest"
	echo "$((SECONDS - started))" >"$dest/.complete"
	echo "cluster: built $component $version in $((SECONDS - started)) s" >&2
}

kube_version=$(module_version kubernetes k8s.io/kubernetes)
etcd_version=$(module_version etcd go.etcd.io/etcd/server/v3)
kwok_version=$(module_version kwok sigs.k8s.io/kwok)

kube_ldflags() { # the version stamps hack/lib/version.sh sets, so `kubectl version` reports them
	local v=$kube_version minor=${kube_version#v*.} date
	minor=${minor%%.*}
	date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s ' "$pkg" "$v" "$pkg" "$pkg" "$minor"
		printf -- '-X %s.gitTreeState=clean -X %s.buildDate=%s ' "$pkg" "$pkg" "$date"
	done
}

components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(etcd kwok kubernetes)
for component in "${components[@]}"; do
	case $component in
	kubernetes)
		build kubernetes kubernetes "$kube_version" "$(kube_ldflags)" k8s.io/kubernetes/cmd/kube-apiserver \
			k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
		;;
	kubelet) build kubelet kubernetes "$kube_version" "$(kube_ldflags)" k8s.io/kubernetes/cmd/kubelet ;;
	etcd) build etcd etcd "$etcd_version" "" . ;;
	kwok)
		build kwok kwok "$kwok_version" "-X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kube_version#v}" \
			sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
		;;
	*) echo "cluster: unknown component '$component' (expected kubernetes, etcd, kwok or kubelet)" >&2 && exit 2 ;;
	esac
done
