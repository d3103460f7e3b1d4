#!/usr/bin/env bash
# Assemble the Dockerfile's base images locally, without a registry:
#   localhost/base-debian:bookworm  debootstrap --variant=minbase bookworm
#   localhost/base-python:bookworm  + Debian's python3.11, pip and venv (stands in for python:3.11-slim)
#   localhost/base-node:bookworm    + this machine's Node 20 and npm (stands in for node:20-slim)
# Each image is labelled with a hash of this script; a run whose hash matches skips it.
# The images trust this machine's CA bundle, because builds reach PyPI, npm and Debian through it.
set -euo pipefail

cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers/containers.conf}"

SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
WORK=.tools/base-images
HASH=$(sha256sum "$0" | cut -c1-16)
LABEL=org.preview-stack.base-script
CERT_ENV=(--change "ENV SSL_CERT_FILE=$CA_BUNDLE" --change "ENV PIP_CERT=$CA_BUNDLE"
    --change "ENV NODE_EXTRA_CA_CERTS=$CA_BUNDLE" --change "ENV LANG=C.UTF-8")

current() { # true when image $1 exists and was made by this version of the script
    [ "$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" 2>/dev/null)" = "$HASH" ]
}

build_debian() {
    local root="$WORK/rootfs-debian"
    rm -rf "$root" && mkdir -p "$WORK"
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR"
    mkdir -p "$root$(dirname "$CA_BUNDLE")" && cp "$CA_BUNDLE" "$root$CA_BUNDLE"
    # Images are rebuilt, never upgraded in place: drop apt's lists and caches.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" --numeric-owner -c . | podman import "${CERT_ENV[@]}" \
        --change "LABEL $LABEL=$HASH" --change 'CMD ["/bin/bash"]' - localhost/base-debian:$SUITE
    rm -rf "$root"
}

build_python() {
    podman build --network host --label "$LABEL=$HASH" -t localhost/base-python:$SUITE -f - "$WORK" <<EOF
FROM localhost/base-debian:$SUITE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3.11 python3-pip python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \
    && ln -s /usr/bin/python3.11 /usr/local/bin/python \
    && ln -s /usr/bin/python3.11 /usr/local/bin/python3 \
    && ln -sf /usr/bin/pip3 /usr/local/bin/pip
CMD ["python3"]
EOF
}

build_node() {
    # The machine's Node 20 (Debian's own is 18): node itself and the npm/corepack it ships.
    local ctx="$WORK/node"
    local node_bin
    node_bin=$(readlink -f "$(command -v node)")
    local prefix
    prefix=$(dirname "$(dirname "$node_bin")")
    rm -rf "$ctx" && mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib"
    cp "$node_bin" "$ctx/usr/local/bin/node"
    cp -a "$prefix/lib/node_modules" "$ctx/usr/local/lib/"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/usr/local/bin/npx"
    podman build --network host --label "$LABEL=$HASH" -t localhost/base-node:$SUITE -f - "$ctx" <<EOF
FROM localhost/base-debian:$SUITE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libstdc++6 \
    && rm -rf /var/lib/apt/lists/*
COPY usr/ /usr/
RUN node --version && npm --version
CMD ["node"]
EOF
    rm -rf "$ctx"
}

rebuilt=
if ! current localhost/base-debian:$SUITE; then build_debian; rebuilt=1; fi
if [ -n "$rebuilt" ] || ! current localhost/base-python:$SUITE; then build_python; fi
if [ -n "$rebuilt" ] || ! current localhost/base-node:$SUITE; then build_node; fi
echo "base images current (script $HASH): localhost/base-{debian,python,node}:$SUITE"
