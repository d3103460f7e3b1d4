"""The preview's two pods, as `envctl render preview` renders them, running under podman.

Allowed substitutions, and nothing else differs from the rendered Deployments:
- Secret values: `app-database`'s DATABASE_URL points at this run's PostgreSQL, `app-secrets`
  holds SMTP_HOST/SMTP_PORT of the run's SMTP sink (both on the host's loopback, which a pod
  reaches as slirp4netns' 10.0.2.2);
- the downward-API namespace (`metadata.namespace`) is the rendered namespace, given by the runner;
- Service names resolve to 127.0.0.1 inside each pod, where a proxy (kube-proxy's part) forwards
  the Service port to the target pod's port, published on the host's 127.0.0.1;
- pull policy: the images are local (`make image`, `make ui-image`), never pulled.
Not emulated: NetworkPolicies, the emptyDir sizeLimit eviction, the scheduler.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from devstack.api import ApiClient
from devstack.podman import inspect, memory_cgroup, podman
from devstack.preview_pods import PreviewPods
from devstack.waiting import wait_until

pytestmark = pytest.mark.containers
ENVCTL = Path(sys.executable).parent / "envctl"


def _all_containers(preview: PreviewPods) -> list[tuple[str, dict[str, object]]]:
    return [
        (pod.container_id(container["name"]), container)
        for pod in preview.pods.values()
        for container in pod.containers
    ]


def test_every_container_runs_with_its_rendered_security_context(preview: PreviewPods) -> None:
    for container_id, _container in _all_containers(preview):
        info = inspect(container_id)
        assert info["Config"]["User"] == "10001:10001", container_id
        assert info["HostConfig"]["ReadonlyRootfs"] is True, container_id
        assert "no-new-privileges" in info["HostConfig"]["SecurityOpt"], container_id
        assert info["EffectiveCaps"] in (None, []), container_id
        whoami = podman("exec", container_id, "id", "-u", check=False)
        if whoami.returncode == 0:  # the UI image may have no `id`
            assert whoami.stdout.strip() == "10001"


def test_the_root_filesystem_is_read_only_and_the_volumes_writable(preview: PreviewPods) -> None:
    worker = preview.pods["temporal"].container_id("python-worker")
    denied = podman("exec", worker, "touch", "/app/written", check=False)
    assert denied.returncode != 0 and "Read-only file system" in denied.stderr
    assert podman("exec", worker, "touch", "/app/var/written", "/tmp/written").returncode == 0


def test_limits_are_the_cgroup_limits(preview: PreviewPods) -> None:
    for container_id, container in _all_containers(preview):
        limits = container["resources"]["limits"]  # type: ignore[index]
        cgroup = memory_cgroup(container_id)
        limit_bytes = int((cgroup / "memory.limit_in_bytes").read_text())
        assert limit_bytes == int(limits["memory"].removesuffix("Mi")) * 2**20, container_id
        cpu = Path(str(cgroup).replace("/memory/", "/cpu/"))
        quota = int((cpu / "cpu.cfs_quota_us").read_text())
        period = int((cpu / "cpu.cfs_period_us").read_text())
        assert quota * 1000 // period == int(limits["cpu"].removesuffix("m")), container_id


def test_the_init_container_migrated_before_web_started(preview: PreviewPods) -> None:
    web = preview.pods["web"]
    migrate = inspect(web.container_id("migrate"))["State"]
    assert migrate["ExitCode"] == 0 and migrate["Status"] == "exited"
    started = inspect(web.container_id("web"))["State"]["StartedAt"]
    assert migrate["FinishedAt"] <= started


def test_envctl_smoke_passes_against_the_pods(preview: PreviewPods) -> None:
    web = preview.pods["web"].host_port(8080)
    ui = preview.pods["temporal"].host_port(8080)
    result = subprocess.run(
        [
            str(ENVCTL),
            "smoke",
            "--url",
            f"http://127.0.0.1:{web}",
            "--temporal-ui-url",
            f"http://127.0.0.1:{ui}",
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke test passed" in result.stdout


def test_the_temporal_ui_lists_the_echo_jobs_workflow(preview: PreviewPods) -> None:
    ui = preview.pods["temporal"].host_port(8080)
    api = ApiClient.sign_up(f"http://127.0.0.1:{preview.pods['web'].host_port(8080)}")
    job = api.start_job("echo", {"message": "seen by the UI"})
    assert api.job(job["id"], wait=30)["status"] == "succeeded"
    api.close()

    def listed() -> list[dict[str, object]]:
        response = httpx.get(
            f"http://127.0.0.1:{ui}/api/v1/namespaces/default/workflows",
            params={"query": 'WorkflowType="echo"'},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        executions: list[dict[str, object]] = response.json().get("executions", [])
        return executions

    executions = wait_until(listed, 30, "the UI listing echo workflows")
    assert all(e["type"] == {"name": "echo"} for e in executions)
    print(f"Temporal UI lists {len(executions)} echo workflow(s)")
