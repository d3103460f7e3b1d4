#!/usr/bin/env bash
# Audit the locked dependencies for known vulnerabilities: pip-audit (runtime Python deps)
# and npm audit --omit=dev (the frontend). Exceptions live in scripts/audit-exceptions.txt,
# one per line with its justification.
#
# Both audits need their vulnerability service (PyPI's JSON API / OSV, npm's advisory
# endpoint). Where a service cannot be reached (some sandboxes mirror only package
# downloads), the audit says SKIPPED and why, loudly, instead of pretending to pass.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.tools/uv/bin/uv}
PIP_AUDIT_VERSION=2.10.1
status=0

ignores=()
while read -r id _; do
  [[ -z "$id" || "$id" == \#* ]] && continue
  ignores+=(--ignore-vuln "$id")
done < scripts/audit-exceptions.txt

if curl -fsS -m 10 -o /dev/null https://pypi.org/pypi/flask/3.1.3/json 2>/dev/null; then
  requirements=$(mktemp)
  trap 'rm -f "$requirements"' EXIT
  "$UV" export --frozen --no-dev --no-emit-project --format requirements-txt > "$requirements"
  echo "pip-audit: runtime dependencies from uv.lock"
  "$UV" tool run --from "pip-audit==$PIP_AUDIT_VERSION" pip-audit --strict --no-deps \
    --disable-pip --progress-spinner off -r "$requirements" "${ignores[@]}" || status=1
else
  echo "pip-audit: SKIPPED - PyPI's vulnerability API (https://pypi.org/pypi/<name>/<version>/json) is unreachable from this machine"
fi

if [[ -f frontend/package-lock.json ]]; then
  if output=$(cd frontend && npm audit --omit=dev 2>&1); then
    echo "npm audit --omit=dev: no vulnerabilities"
  elif grep -q "audit endpoint returned an error" <<<"$output"; then
    echo "npm audit: SKIPPED - the npm advisory endpoint is unreachable from this machine"
  else
    echo "$output"
    status=1
  fi
fi
exit $status
