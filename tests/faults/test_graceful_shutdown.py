"""SIGTERM the worker under load: activities that fit in the grace period finish on it;
the rest are retried by the replacement worker; nothing is lost or run twice."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.api import ApiClient
from devstack.ports import free_port
from devstack.processes import WorkerProcess
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.faults.ledger import Ledger, activity_attempts, assert_clean, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

GRACE_SECONDS = 8
SHORT, LONG = 40, 10  # activities that end inside the grace period, and ones that cannot


@pytest.fixture
def stack(base_env: dict[str, str], migrated: None, tmp_path: Path) -> Iterator[Stack]:
    env = process_env(base_env, WORKER_SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS))
    stack = Stack.start(env, tmp_path)
    yield stack
    stack.stop()


def test_sigterm_under_load_drains_or_hands_over(
    stack: Stack, temporal_server: TemporalDevServer, tmp_path: Path
) -> None:
    api = ApiClient.sign_up(stack.url)
    ledger = Ledger(api, temporal_server.address, stack.env["TEMPORAL_TASK_QUEUE"])
    short = ledger.submit(
        ("echo", {"message": f"short {n}", "delay_ms": 6000 + 25 * n}) for n in range(SHORT)
    )
    long = ledger.submit(
        ("echo", {"message": f"long {n}", "delay_ms": 20_000}) for n in range(LONG)
    )

    def all_started_on_it() -> bool:
        # "queued" = no activity started yet; the replacement is not up, so none queued
        # means every job's activity started on this worker, and the long ones still run.
        current = ledger.current()
        return all(j["status"] != "queued" for j in current.values()) and all(
            current[j["id"]]["status"] == "running" for j in long
        )

    wait_until(all_started_on_it, 60, "every activity started on the worker, none queued")
    at_sigterm = Counter(j["status"] for j in ledger.current().values())

    stack.worker.signal(signal.SIGTERM)
    terminated = now()
    replacement = WorkerProcess.create(
        {**stack.env, "WORKER_HEALTH_PORT": str(free_port()), "WORKER_METRICS_PORT": "0"},
        tmp_path / "replacement",
    )
    replacement.start()
    try:
        exit_code = stack.worker.wait(timeout=GRACE_SECONDS + 20)
        drained_in = now() - terminated
        final = ledger.wait_all_finished(timeout=120)
        recovered = now()
        attempts = asyncio.run(
            activity_attempts(temporal_server.address, [f"job-{j}" for j in ledger.submitted])
        )
    finally:
        replacement.stop()
    short_attempts = [attempts[f"job-{j['id']}"] for j in short]
    long_attempts = [attempts[f"job-{j['id']}"] for j in long]
    result = record(
        ledger.result(
            "worker SIGTERM under load",
            final,
            recovered,
            terminated,
            detail=(
                f"grace {GRACE_SECONDS} s; at SIGTERM {dict(at_sigterm)}; "
                f"the worker exited {exit_code} after "
                f"{drained_in:.1f} s; {sum(a == [1] for a in short_attempts)}/{SHORT} short "
                f"activities finished on it in attempt 1; "
                f"{sum(bool(a) and a[-1] > 1 for a in long_attempts)}/{LONG} long ones were "
                "retried by the replacement worker"
            ),
        )
    )

    assert_clean(result)
    assert exit_code == 0
    assert drained_in < GRACE_SECONDS + 10
    assert all(a == [1] for a in short_attempts), short_attempts
    assert all(len(a) == 1 and a[0] >= 2 for a in long_attempts), long_attempts
    for job_id, job in ledger.submitted.items():
        assert final[job_id]["result"]["message"] == job["input"]["message"]
