#!/usr/bin/env bash
# ci/test's compose smoke test (docker-compose.yml + docker-compose.test.yml), run by
# podman-compose with docker-compose.podman.yml on top: host networking on free ports of
# 127.0.0.1, local images (make image, scripts/compose_images.sh). Exits with smoke's code;
# the stack and its volumes are removed afterwards.
#
# podman 4.3 cannot gate `depends_on` on `service_healthy` or `service_completed_successfully`
# (podman-compose ignores both), and without systemd it never runs healthchecks by itself. So
# this script starts the services in the compose file's dependency order and waits on each
# condition itself: `podman healthcheck run` (the service's own check) until healthy, and
# migrate's exit code. Docker compose does the same from the `depends_on` conditions.
set -euo pipefail

cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers/containers.conf}"
PODMAN_COMPOSE=${PODMAN_COMPOSE:?set PODMAN_COMPOSE to the podman-compose command}
for name in PG_PORT TEMPORAL_PORT TEMPORAL_UI_PORT TEMPORAL_HTTP_PORT TEMPORAL_METRICS_PORT \
    SMTP_PORT MAILPIT_UI_PORT WEB_PORT WORKER_HEALTH_PORT WORKER_METRICS_PORT; do
    export "$name=$(.venv/bin/python -c 'from devstack.ports import free_port; print(free_port())')"
done
project="compose-smoke-$$"
# shellcheck disable=SC2206 # PODMAN_COMPOSE is a command with arguments
compose=($PODMAN_COMPOSE -p "$project" -f docker-compose.yml -f docker-compose.test.yml
    -f docker-compose.podman.yml)
trap '"${compose[@]}" down -v -t 30 >/dev/null 2>&1 || true' EXIT

container() { echo "${project}_$1_1"; }

healthy() { # service $1 passes its own healthcheck within $2 seconds
    local deadline=$((SECONDS + $2))
    until podman healthcheck run "$(container "$1")" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "compose smoke: $1 not healthy after $2 s" >&2
            podman logs --tail 40 "$(container "$1")" >&2
            return 1
        fi
        podman wait --condition running "$(container "$1")" >/dev/null  # fails fast if it exited
        read -r -t 2 <> <(:) || true  # the healthcheck's interval; no systemd timer runs it here
    done
    echo "compose smoke: $1 healthy"
}

"${compose[@]}" up -d --no-deps postgres temporal smtp
healthy postgres 120
healthy temporal 120
"${compose[@]}" up -d --no-deps migrate
code=$(podman wait "$(container migrate)")
podman logs "$(container migrate)"
[ "$code" = 0 ] || { echo "compose smoke: migrate exited $code" >&2; exit 1; }
"${compose[@]}" up -d --no-deps worker web
healthy worker 180
"${compose[@]}" up -d --no-deps smoke
code=$(podman wait "$(container smoke)")
podman logs "$(container smoke)"
echo "compose smoke: smoke exited $code"
exit "$code"
