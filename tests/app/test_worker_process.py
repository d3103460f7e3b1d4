"""`python temporal_server.py` as a real process: start-up, probes, metrics, shutdown."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client

from app.jobs.base import JobContext
from app.jobs.echo import EchoInput, EchoWorkflow
from devstack.ports import free_port
from devstack.processes import ROOT, WorkerProcess
from devstack.stack import process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until


def test_worker_exits_non_zero_with_a_clear_message_when_temporal_never_comes_up(
    base_env: dict[str, str],
) -> None:
    env = process_env(
        base_env,
        TEMPORAL_SERVER_ADDRESS=f"127.0.0.1:{free_port()}",
        WORKER_CONNECT_TIMEOUT_SECONDS="3",
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "temporal_server.py")],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "did not answer after" in result.stderr
    assert "Traceback" not in result.stderr
    assert 3 <= time.monotonic() - started < 30


def test_worker_waits_for_a_server_that_starts_late(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    late = TemporalDevServer(root=tmp_path / "late")
    env = process_env(base_env, TEMPORAL_SERVER_ADDRESS=late.address)
    worker = WorkerProcess.create(env, tmp_path)
    worker.start()
    try:
        wait_until(lambda: "not reachable (attempt 2)" in worker.log_tail(), 30, "retries")
        late.start()
        worker.wait_ready()
    finally:
        worker.stop()
        late.stop()


def test_probes_metrics_and_drain_on_sigterm(
    base_env: dict[str, str], temporal_server: TemporalDevServer, tmp_path: Path
) -> None:
    env = process_env(base_env, WORKER_SHUTDOWN_GRACE_SECONDS="20", LOG_LEVEL="INFO")
    worker = WorkerProcess.create(env, tmp_path)
    worker.start()
    try:
        worker.wait_ready()
        health = f"http://127.0.0.1:{env['WORKER_HEALTH_PORT']}"
        assert httpx.get(f"{health}/healthz").json() == {"alive": True}
        assert httpx.get(f"{health}/readyz").json()["phase"] == "running"
        assert httpx.get(f"{health}/nope").status_code == 404
        metrics = httpx.get(f"http://127.0.0.1:{env['WORKER_METRICS_PORT']}/metrics").text
        assert "temporal_" in metrics

        workflow_id = f"drain-{time.monotonic_ns()}"
        asyncio.run(start_echo(temporal_server.address, env, workflow_id, delay_ms=3000))
        wait_until(
            lambda: asyncio.run(activity_started(temporal_server.address, workflow_id)),
            20,
            "the activity to start",
        )
        worker.signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        worker.stop()
    log = worker.log_tail(20_000)
    assert "draining activities" in log
    # The drained activity completed in its first attempt; a fresh worker finishes the workflow.
    replacement = WorkerProcess.create(env, tmp_path / "second")
    replacement.start()
    try:
        replacement.wait_ready()
        attempts = asyncio.run(activity_attempts(temporal_server.address, workflow_id))
    finally:
        replacement.stop()
    assert attempts == [1]


async def start_echo(address: str, env: dict[str, str], workflow_id: str, delay_ms: int) -> None:
    from temporalio.contrib.pydantic import pydantic_data_converter

    client = await Client.connect(address, data_converter=pydantic_data_converter)
    await client.start_workflow(
        EchoWorkflow.run,
        args=[JobContext(), EchoInput(message="drain", delay_ms=delay_ms)],
        id=workflow_id,
        task_queue=env["TEMPORAL_TASK_QUEUE"],
    )


async def activity_started(address: str, workflow_id: str) -> bool:
    client = await Client.connect(address)
    description = await client.get_workflow_handle(workflow_id).describe()
    return any(
        a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        for a in description.raw_description.pending_activities
    )


async def activity_attempts(address: str, workflow_id: str) -> list[int]:
    client = await Client.connect(address)
    handle = client.get_workflow_handle(workflow_id)
    await handle.result()
    history = await handle.fetch_history()
    return [
        event.activity_task_started_event_attributes.attempt
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
