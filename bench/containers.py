"""`make bench-containers`: the rendered preview pods under podman (devstack/pods.py).

- boot: pods created -> every container of both pods ready (startup, then readiness probes at
  their rendered periods), median of 5 fresh boots, each on a new database. Baseline in the same
  run: `podman run --rm <image> python -c pass` (what any container start costs here).
- memory from each container's cgroup (working set = usage - inactive_file, as the kubelet
  counts it; peak = memory.max_usage_in_bytes): idle, after 500 echo jobs, after an export of
  10,000 rows.

Writes the `boot` and `container-memory` sections of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from bench.sections import write_section
from devstack.api import ApiClient
from devstack.podman import IMAGE, UI_IMAGE, memory_cgroup, memory_working_set, podman
from devstack.pods import SLIRP_HOST_LOOPBACK
from devstack.postgres import PostgresServer
from devstack.preview_pods import PreviewPods, of_kind, render_preview
from devstack.smtp_sink import SmtpSink

BOOTS = 5
ECHO_JOBS = 500
EXPORT_ROWS = 10_000
IDLE_SECONDS = 10  # let start-up garbage settle before the idle reading
MiB = 2**20
RETRIED: list[str] = []  # job starts answered 503 and retried, reported with the memory table


def _preview(postgres: PostgresServer, sink: SmtpSink) -> PreviewPods:
    objects = render_preview(4243)
    url = postgres.create_database(f"bench_{uuid.uuid4().hex[:8]}")
    secrets = {
        "app-database": {"DATABASE_URL": url.replace("@127.0.0.1:", f"@{SLIRP_HOST_LOOPBACK}:")},
        "app-secrets": {"SMTP_HOST": SLIRP_HOST_LOOPBACK, "SMTP_PORT": str(sink.port)},
    }
    images = {"ghcr.io/example/preview-stack:render-only": IMAGE}
    for deployment in of_kind(objects, "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if container["name"] == "temporal-ui":
                images[container["image"]] = UI_IMAGE
    return PreviewPods.prepare(
        objects, run_id=f"bx{uuid.uuid4().hex[:6]}", secrets=secrets, images=images
    )


def _boot(preview: PreviewPods, phases: list[dict[str, float]]) -> float:
    created = preview.start()
    preview.wait_all_ready()
    took = time.monotonic() - created
    phases.append(dict(preview.timings))
    return took


def _baseline() -> float:
    started = time.monotonic()
    podman("run", "--rm", "--pull", "never", "--network", "none", IMAGE, "python", "-c", "pass")
    return time.monotonic() - started


def _containers(preview: PreviewPods) -> dict[str, str]:
    return {
        container["name"]: pod.container_id(container["name"])
        for pod in preview.pods.values()
        for container in pod.containers
    }


def _reset_peaks(containers: dict[str, str]) -> None:
    for container_id in containers.values():
        (memory_cgroup(container_id) / "memory.max_usage_in_bytes").write_text("0")


def _reading(containers: dict[str, str]) -> dict[str, tuple[float, float]]:
    """(working set, peak since the last reset) in MiB, per container."""
    result = {}
    for name, container_id in containers.items():
        peak = int((memory_cgroup(container_id) / "memory.max_usage_in_bytes").read_text())
        result[name] = (memory_working_set(container_id) / MiB, peak / MiB)
    return result


def _add_tasks(postgres_url: str, owner_id: int, count: int) -> None:
    with psycopg.connect(postgres_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tasks (owner_id, title, notes, created_at, updated_at) "
            "SELECT %s, 'task ' || n, '', now(), now() FROM generate_series(1, %s) AS n",
            (owner_id, count),
        )


def _start(api: ApiClient, job_type: str, data: dict[str, object], key: str) -> str:
    """Start a job as a client would: a 503 says "try again shortly", the key makes it safe."""
    for attempt in range(30):
        body = {"type": job_type, "input": data, "idempotency_key": key}
        response = api.http.post("/api/jobs", json=body)
        if response.status_code in (200, 202):
            return str(response.json()["id"])
        if response.status_code != 503:
            raise RuntimeError(f"POST /api/jobs: {response.status_code} {response.text}")
        RETRIED.append(key)
        threading.Event().wait(min(0.2 * 2**attempt, 5))
    raise RuntimeError(f"job {key}: still 503 after 30 attempts")


def _wait_all(api: ApiClient, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for job_id in ids:
        while api.job(job_id, wait=min(30, max(deadline - time.monotonic(), 1)))["status"] != (
            "succeeded"
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} did not succeed")


def main() -> None:
    postgres = PostgresServer.create(Path(tempfile.mkdtemp(prefix="pg-bench-")))
    postgres.start()
    sink = SmtpSink()
    sink.start()
    try:
        baselines = [_baseline() for _ in range(BOOTS)]
        boots: list[float] = []
        phases: list[dict[str, float]] = []
        load = os.getloadavg()[0]
        for _ in range(BOOTS):
            preview = _preview(postgres, sink)
            try:
                boots.append(_boot(preview, phases))
            finally:
                preview.delete()
                preview.forget_claims()
        _write_boot(boots, baselines, phases, (load + os.getloadavg()[0]) / 2)
        preview = _preview(postgres, sink)
        try:
            _boot(preview, [])
            memory = _measure(preview, postgres)
        finally:
            preview.delete()
            preview.forget_claims()
    finally:
        sink.stop()
        postgres.destroy()
    _write_memory(memory)


def _measure(
    preview: PreviewPods, postgres: PostgresServer
) -> dict[str, dict[str, tuple[float, float]]]:
    containers = _containers(preview)
    threading.Event().wait(IDLE_SECONDS)
    phases = {"idle": _reading(containers)}
    api = ApiClient.sign_up(f"http://127.0.0.1:{preview.pods['web'].host_port(8080)}")
    _reset_peaks(containers)
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(
            pool.map(lambda n: _start(api, "echo", {"message": f"m{n}"}, f"e{n}"), range(ECHO_JOBS))
        )
    _wait_all(api, ids, 600)
    phases["500 echo jobs"] = _reading(containers)
    database = preview.ctx.secrets["app-database"]["DATABASE_URL"]
    _add_tasks(
        database.replace(f"@{SLIRP_HOST_LOOPBACK}:", "@127.0.0.1:"), api.account_id, EXPORT_ROWS
    )
    _reset_peaks(containers)
    _wait_all(api, [_start(api, "export", {}, "export")], 600)
    phases["export of 10,000 rows"] = _reading(containers)
    api.close()
    return phases


def _write_boot(
    boots: list[float], baselines: list[float], phases: list[dict[str, float]], load: float
) -> None:
    boot, base = statistics.median(boots), statistics.median(baselines)
    runs = ", ".join(f"{b:.1f} s" for b in boots)
    steps = ", ".join(
        f"{name} {statistics.median(p[name] for p in phases):.1f} s"
        for name in sorted(phases[0], key=lambda n: statistics.median(p[n] for p in phases))
    )
    write_section(
        "boot",
        f"""## Boot of the preview pods (podman)

`make bench-containers`: both rendered pods created under podman -> every container ready
(startup probe, then readiness probe, at the rendered periods; the web pod's `migrate` init
container first, on a fresh database each time). Runs: {runs}; **median {boot:.1f} s** (goal
3 s). Baseline: `podman run --rm` of the image with `python -c pass`, median {base:.2f} s; the
boot is {boot / base:.1f}x one bare container start. Medians of each step, from the pods'
creation: {steps}. Load average during the runs: {load:.0f} on 2 cores (other engineers'
suites); the figures scale with it.
""",
    )
    print(f"boot median {boot:.1f}s (runs {runs}); baseline {base:.2f}s; {steps}; load {load:.0f}")


def _write_memory(memory: dict[str, dict[str, tuple[float, float]]]) -> None:
    names = list(next(iter(memory.values())))
    header = " | ".join(f"{phase} (ws / peak)" for phase in memory)
    rows = [
        f"| {name} | "
        + " | ".join(
            f"{memory[phase][name][0]:.0f} / {memory[phase][name][1]:.0f}" for phase in memory
        )
        + " |"
        for name in names
    ]
    write_section(
        "container-memory",
        "## Memory of each container, from its cgroup (MiB)\n\n"
        "`make bench-containers`: working set (usage minus inactive file pages, what the kubelet "
        "counts) at the end of each phase / the cgroup's peak usage during it "
        "(`memory.max_usage_in_bytes`, page cache included). Job starts answered 503 and "
        f"retried by the client during the 500 jobs: {len(RETRIED)}.\n\n"
        f"| container | {header} |\n|---|{'---|' * len(memory)}\n" + "\n".join(rows) + "\n",
    )
    for name in names:
        print(name, {phase: memory[phase][name] for phase in memory})


if __name__ == "__main__":
    main()
