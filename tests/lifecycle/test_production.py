"""Production and the permanent preview on the real API server: both renders pass a server-side
dry run, and production (Temporal in postgres mode) applies for real with its schema Job."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.deploy_inputs import IMAGE
from tests.lifecycle.conftest import PRODUCTION_DEPLOY, Lifecycle


@pytest.mark.parametrize(
    ("env", "namespace"), [("production", "production"), ("permanent-preview", "preview")]
)
def test_the_render_passes_a_server_side_dry_run(
    lifecycle: Lifecycle, tmp_path: Path, env: str, namespace: str
) -> None:
    out = tmp_path / env
    code, _, err = lifecycle.run("render", env, "--image", IMAGE, "--out", str(out))
    assert code == 0, err
    files = sorted(out.glob("*.yaml"))
    namespace_file, rest = files[0], files[1:]
    assert f"namespace-{namespace}" in namespace_file.name
    # The namespace for real (a dry run creates nothing to put the others in), the rest dry.
    lifecycle.cluster.run(
        "apply", "--server-side", "--field-manager=envctl", "-f", str(namespace_file)
    )
    args = ["apply", "--server-side", "--field-manager=envctl", "--dry-run=server"]
    for path in rest:
        args += ["-f", str(path)]
    result = lifecycle.cluster.run(*args, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("serverside-applied (server dry run)") == len(rest)
    assert lifecycle.cluster.objects("Deployment", namespace) == []  # nothing was created


def test_production_applies_and_its_schema_job_completes(lifecycle: Lifecycle) -> None:
    code, out, err = lifecycle.run(*PRODUCTION_DEPLOY, ENVCTL_DATABASE_ADMIN_URL="")
    assert code == 0, err
    cluster = lifecycle.cluster
    job = cluster.get("Job", "temporal-schema-1-31-1", "production")
    assert job is not None
    conditions = {c["type"]: c["status"] for c in job["status"]["conditions"]}
    assert conditions.get("Complete") == "True" and job["status"]["succeeded"] == 1
    [schema_pod] = cluster.json(
        "get",
        "pods",
        "-n",
        "production",
        "-l",
        "batch.kubernetes.io/job-name=temporal-schema-1-31-1",
    )["items"]
    assert schema_pod["status"]["phase"] == "Succeeded"
    for name in ("web", "temporal-server", "temporal-ui", "python-worker"):
        deployment = cluster.get("Deployment", name, "production")
        if deployment is None:
            continue
        status = deployment["status"]
        assert status.get("readyReplicas") == deployment["spec"]["replicas"], name
    assert cluster.get("HorizontalPodAutoscaler", "web", "production") is not None
    assert "job/temporal-schema-1-31-1" in out + err
