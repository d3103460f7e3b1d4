"""SIGKILL the worker after Temporal closed its jobs' workflows but before their rows say
so: the restarted worker's reconciler repairs every row from Temporal.

The window is made real, not simulated: the test holds the rows' locks, so the worker's
outcome writes block inside their transactions; it kills the worker there, releases the
locks and restarts it. A write is one query that commits as it ends, so a backend whose
client has died would finish it once the lock is free; this database checks its clients
while queries run (`client_connection_check_interval`), so the blocked writes are aborted
when the worker dies, as if it had died before sending them.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from temporalio.client import Client, WorkflowExecutionStatus

from app.db import Database
from app.migrate import upgrade
from devstack.api import ApiClient
from devstack.postgres import PostgresServer
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.conftest import settings_from_env
from tests.faults.ledger import Ledger, assert_clean, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

JOBS = 10
RECONCILE_SECONDS = 2.0  # the default JOB_RECONCILE_INTERVAL_SECONDS
BOUND_SECONDS = 2 * RECONCILE_SECONDS + 5  # a pass after start-up, plus its own time


@pytest.fixture
def stack(
    base_env: dict[str, str], postgres: PostgresServer | None, tmp_path: Path
) -> Iterator[Stack]:
    # A database of its own: the run's in-process worker (tests/app's, alive for the whole
    # session) reconciles every row of the shared one, and would repair the rows this case
    # holds unwritten while its own worker is dead.
    assert postgres is not None, "this case needs its own database on the test PostgreSQL"
    name = f"write_missed_{uuid.uuid4().hex[:8]}"
    url = postgres.create_database(name)
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        check = "ALTER DATABASE {} SET client_connection_check_interval = '100ms'"
        admin.execute(sql.SQL(check).format(sql.Identifier(name)))
    env = process_env({**base_env, "DATABASE_URL": url})
    database = Database(settings_from_env(env))
    upgrade(database.engine)
    database.dispose()
    stack = Stack.start(env, tmp_path)
    yield stack
    stack.stop()


def blocked_on_locks(probe: psycopg.Connection[tuple[int]]) -> int:
    waiting = probe.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    ).fetchone()
    return waiting[0] if waiting else 0


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


async def closed_in_temporal(address: str, job_ids: list[str]) -> bool:
    client = await Client.connect(address)
    for job_id in job_ids:
        description = await client.get_workflow_handle(f"job-{job_id}").describe()
        if description.status is not WorkflowExecutionStatus.COMPLETED:
            return False
    return True


def test_worker_killed_before_its_db_write_the_reconciler_repairs_the_rows(
    stack: Stack, temporal_server: TemporalDevServer
) -> None:
    api = ApiClient.sign_up(stack.url)
    ledger = Ledger(api, temporal_server.address, stack.env["TEMPORAL_TASK_QUEUE"])
    ledger.submit(("echo", {"message": f"m{n}", "delay_ms": 6000}) for n in range(JOBS))
    ids = list(ledger.submitted)
    wait_until(
        lambda: all(j["status"] == "running" for j in ledger.current().values()),
        60,
        "every job running",
    )

    with psycopg.connect(libpq_url(stack.env["DATABASE_URL"])) as lock:
        # What the rows say once locked: on a slow machine a job may have finished (and its
        # row said so) before the lock was taken; only the rows still unfinished are missed.
        locked: dict[str, str] = dict(
            lock.execute(
                "SELECT id::text, status FROM jobs WHERE id = ANY(%s) FOR UPDATE", (ids,)
            ).fetchall()
        )
        missing = [job_id for job_id in ids if locked[job_id] == "running"]
        assert len(missing) >= JOBS // 2, f"too few jobs still running when locked: {locked}"
        wait_until(
            lambda: asyncio.run(closed_in_temporal(temporal_server.address, ids)),
            60,
            "Temporal to close every workflow",
        )
        with psycopg.connect(libpq_url(stack.env["DATABASE_URL"]), autocommit=True) as probe:
            wait_until(
                lambda: blocked_on_locks(probe) > 0,
                30,
                "the worker's outcome write to block on the row lock",
            )
        stack.worker.signal(signal.SIGKILL)
        assert stack.worker.wait(timeout=30) == -signal.SIGKILL
        with psycopg.connect(libpq_url(stack.env["DATABASE_URL"]), autocommit=True) as probe:
            wait_until(
                lambda: blocked_on_locks(probe) == 0,
                30,
                "the dead worker's blocked writes to be aborted",
            )
        lock.rollback()

    missed = ledger.current()
    assert {j: missed[j]["status"] for j in ids} == locked, "a write got through"
    stack.worker.start()
    stack.worker.wait_ready()
    restarted = now()
    final = ledger.wait_all_finished(timeout=60)
    recovered = now()

    result = record(
        ledger.result(
            "worker killed between the Temporal transition and the DB write",
            final,
            recovered,
            restarted,
            detail=(
                f"{len(missing)} of {JOBS} rows still 'running' after Temporal closed their "
                "workflows; the restarted worker's reconciler repaired them"
            ),
        )
    )
    assert_clean(result)
    assert result.recover_seconds is not None and result.recover_seconds <= BOUND_SECONDS
    for job_id in ids:
        assert final[job_id]["result"]["message"] == ledger.submitted[job_id]["input"]["message"]
        assert final[job_id]["finished_at"] is not None
