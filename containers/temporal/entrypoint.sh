#!/bin/sh
# The server image's entrypoint: bind where the pod says (BIND_ON_IP), else on this host's
# address, and announce a reachable address to the membership ring; then run the server,
# which reads its whole configuration from the environment (its embedded template).
set -eu
host_address() { getent hosts "$(hostname)" | awk 'NR == 1 { print $1 }'; }
: "${BIND_ON_IP:=$(host_address)}"
export BIND_ON_IP
case "$BIND_ON_IP" in
0.0.0.0 | ::0 | ::)
    : "${TEMPORAL_BROADCAST_ADDRESS:=$(host_address)}"
    export TEMPORAL_BROADCAST_ADDRESS
    ;;
esac
exec temporal-server start
