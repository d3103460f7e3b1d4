"""Faults inside the running preview pods: what the kubelet and the kernel would do to them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from devstack.api import TERMINAL, ApiClient
from devstack.podman import memory_cgroup, podman, state, volume_mountpoint
from devstack.preview_pods import PreviewPods
from devstack.waiting import wait_until

pytestmark = pytest.mark.containers


@pytest.fixture
def api(preview: PreviewPods) -> Iterator[ApiClient]:
    client = ApiClient.sign_up(f"http://127.0.0.1:{preview.pods['web'].host_port(8080)}")
    yield client
    client.close()


def _start_slow_echoes(api: ApiClient, count: int, delay_ms: int) -> list[str]:
    jobs = api.start_jobs(
        ("echo", {"message": f"m{n}", "delay_ms": delay_ms}) for n in range(count)
    )
    ids = [job["id"] for job in jobs]
    wait_until(lambda: all(api.job(i)["status"] == "running" for i in ids), 60, "every job running")
    return ids


def _all_succeed(api: ApiClient, ids: list[str], timeout: float) -> None:
    def finished() -> bool:
        statuses = {i: api.job(i)["status"] for i in ids}
        assert not [s for s in statuses.values() if s in TERMINAL - {"succeeded"}], statuses
        return all(s == "succeeded" for s in statuses.values())

    wait_until(finished, timeout, f"{len(ids)} jobs succeeded")


def test_sigterm_to_the_worker_drains_within_its_grace_period(
    preview: PreviewPods, api: ApiClient
) -> None:
    pod = preview.pods["temporal"]
    worker = pod.container_id("python-worker")
    ids = _start_slow_echoes(api, 5, 3000)
    sent = time.monotonic()
    podman("kill", "--signal", "TERM", worker)
    wait_until(lambda: state(worker)["Status"] == "exited", pod.grace_seconds, "worker exited")
    took = time.monotonic() - sent
    exit_code = state(worker)["ExitCode"]
    print(f"worker: SIGTERM -> exit {exit_code} after {took:.1f}s (grace {pod.grace_seconds}s)")
    assert exit_code == 0
    assert took < pod.grace_seconds
    pod.restart_container("python-worker")  # the kubelet starts a new container in the same pod
    preview.wait_ready(pod)
    _all_succeed(api, ids, 90)


def test_temporal_server_restart_loses_no_job(preview: PreviewPods, api: ApiClient) -> None:
    pod = preview.pods["temporal"]
    ids = _start_slow_echoes(api, 10, 4000)
    pod.restart_container("temporal-server")  # same pod: its volumes (the SQLite file) stay
    preview.wait_ready(pod)
    _all_succeed(api, ids, 120)
    print(f"temporal-server restarted with {len(ids)} jobs in flight: all succeeded")


def _executions(ui_port: int, workflow_id: str) -> int:
    """How many executions the Temporal UI lists under one workflow id."""
    response = httpx.get(
        f"http://127.0.0.1:{ui_port}/api/v1/namespaces/default/workflows",
        params={"query": f'WorkflowId="{workflow_id}"'},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return len(response.json().get("executions", []))


def test_the_temporal_pod_recreated_keeps_every_job_on_its_claim(
    preview: PreviewPods, api: ApiClient
) -> None:
    old = preview.pods["temporal"]
    volumes = {volume["name"]: old.volume_name(volume) for volume in old.spec["volumes"]}
    ids = _start_slow_echoes(api, 10, 40000)  # longer than the worker's 20 s drain
    scratch = volume_mountpoint(volumes["server-tmp"]) / "marker"
    scratch.write_text("old pod")  # an emptyDir: must not survive the pod
    old_pod_id = podman("pod", "inspect", "--format", "{{.Id}}", old.name).stdout.strip()
    replaced = time.monotonic()
    pod = preview.recreate("temporal")  # every container stops; only the claim stays
    ready = time.monotonic() - replaced
    in_flight = [i for i in ids if api.job(i)["status"] == "running"]
    assert in_flight == ids  # none could finish on the old pod: they span the replacement
    new_pod_id = podman("pod", "inspect", "--format", "{{.Id}}", pod.name).stdout.strip()
    assert new_pod_id != old_pod_id
    assert not (volume_mountpoint(volumes["server-tmp"]) / "marker").exists()
    assert (volume_mountpoint(volumes["temporal-data"]) / "temporal.db").stat().st_size > 0
    _all_succeed(api, ids, 180)
    jobs = api.jobs()
    assert sorted(jobs) == sorted(ids)  # the account has exactly its 10 jobs
    messages = {job_id: api.job(job_id)["result"]["message"] for job_id in ids}
    assert sorted(messages.values()) == sorted(f"m{n}" for n in range(10))
    ui = pod.host_port(8080)
    assert [_executions(ui, f"job-{job_id}") for job_id in ids] == [1] * 10
    print(
        f"temporal pod recreated with 10 jobs of 40 s in flight: new pod ready after {ready:.1f}s "
        f"with {len(in_flight)} still running; all 10 succeeded with their results "
        f"{time.monotonic() - replaced:.1f}s after the delete; one execution per job"
    )


def test_a_container_over_its_memory_limit_is_killed_by_the_cgroup(preview: PreviewPods) -> None:
    pod = preview.pods["temporal"]
    worker = pod.container_id("python-worker")
    cgroup = memory_cgroup(worker)
    limit = int((cgroup / "memory.limit_in_bytes").read_text())

    def oom_kills() -> int:
        fields = dict(
            line.split() for line in (cgroup / "memory.oom_control").read_text().splitlines()
        )
        return int(fields.get("oom_kill", "0"))

    before = oom_kills()
    hog = f"b = bytearray({limit + 64 * 2**20}); print('allocated')"
    result = podman("exec", worker, "python", "-c", hog, check=False, timeout=120)
    after = oom_kills()
    print(
        f"python-worker: allocating {limit // 2**20 + 64} MiB over its {limit // 2**20} MiB limit "
        f"-> exit {result.returncode}, cgroup oom_kill {before} -> {after}"
    )
    assert result.returncode == 137 and "allocated" not in result.stdout
    assert after > before
    assert state(worker)["Status"] == "running"  # the kernel killed the allocating process
    preview.wait_ready(pod)
