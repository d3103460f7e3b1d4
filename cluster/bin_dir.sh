# Sourced by cluster/*.sh: where the built control-plane binaries live, one folder per component
# and version. Outside the clone (beside Go's own caches), so every clone and CI run reuses them.
cluster_bin_dir=${CLUSTER_BIN_DIR:-${PREVIEW_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preview-stack}/cluster/bin}
