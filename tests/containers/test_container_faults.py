"""Faults inside the running preview pods: what the kubelet and the kernel would do to them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.api import TERMINAL, ApiClient
from tests.support.podman import memory_cgroup, podman, state
from tests.support.preview_pods import PreviewPods
from tests.support.waiting import wait_until

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
