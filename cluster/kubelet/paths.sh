# Sourced by cluster/kubelet.sh and cluster/kubelet-down.sh, with $here set to cluster/: where
# the kubelet's state lives and which node it registers.
root=$(dirname "$here")
state=${CLUSTER_DIR:-$root/.cluster}
run=$state/kubelet
node=${KUBELET_NODE:-real-node}
