"""Stop the app's PostgreSQL with jobs of every type in flight.

While it is down the API answers 503 JSON and `/api/ready` names the database; each
running job does what its type declares (`JobType.on_database_down`): carries on,
waits and retries, or fails with a clear error. When PostgreSQL returns, everything
recovers without restarting the web app or the worker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from app.db import Database
from app.jobs.base import OnDatabaseDown
from app.jobs.registry import REGISTRY
from app.migrate import upgrade
from devstack.api import ApiClient
from devstack.postgres import PostgresServer
from devstack.smtp_sink import SmtpSink
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.conftest import settings_from_env
from tests.faults.ledger import Ledger, assert_clean, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

EXPECTED = {
    OnDatabaseDown.NOT_USED: "succeeded",
    OnDatabaseDown.RETRY: "succeeded",
    OnDatabaseDown.FAIL: "failed",
}
SLOTS = 4  # activity slots: three exports and a slow echo fill them before the outage


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.create(Path(f"/tmp/pg-fault-{uuid.uuid4().hex[:8]}"))
    server.start()
    yield server
    server.destroy()


def test_postgres_down_mid_run_each_job_does_what_it_declares(
    base_env: dict[str, str],
    own_postgres: PostgresServer,
    temporal_server: TemporalDevServer,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    url = own_postgres.create_database("app_fault")
    env = process_env(
        base_env,
        DATABASE_URL=url,
        WORKER_MAX_CONCURRENT_ACTIVITIES=str(SLOTS),
        REMINDER_INTERVAL_SECONDS="86400",
    )
    database = Database(settings_from_env(env))
    upgrade(database.engine)
    database.dispose()
    stack = Stack.start(env, tmp_path)
    try:
        pids = (stack.web.process.pid, stack.worker.process.pid)  # type: ignore[union-attr]
        api = ApiClient.sign_up(stack.url)
        ledger = Ledger(api, temporal_server.address, env["TEMPORAL_TASK_QUEUE"])
        overdue = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        api.add_tasks((f"task {n}" for n in range(10)), due_at=overdue)

        def expect(job_type: str) -> str:
            job = REGISTRY.get(job_type)
            assert job is not None
            return EXPECTED[job.on_database_down]

        busy = [("export", {"delay_ms_per_row": 600})] * 3 + [
            ("echo", {"message": "slow", "delay_ms": 5000})
        ]
        for job_type, data in busy:
            ledger.submit([(job_type, data)], expect=expect(job_type))
        wait_until(
            lambda: (
                all(
                    (j["progress"] or {}).get("done", 0) >= 1 or j["type"] == "echo"
                    for j in ledger.current().values()
                )
                and all(j["status"] == "running" for j in ledger.current().values())
            ),
            60,
            "the exports writing rows and the slow echo running",
        )
        # Every slot is taken: these wait in Temporal's queue and start during the outage.
        recipients = [f"pg-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(3)]
        queued = [("email", {"to": to, "subject": "pg down", "body": to}) for to in recipients]
        queued += [("healthcheck", {}), ("reminders", {}), ("echo", {"message": "quick"})]
        for job_type, data in queued:
            ledger.submit([(job_type, data)], expect=expect(job_type))

        own_postgres.stop()
        stopped = now()
        health = httpx.get(f"{stack.url}/api/health", timeout=30)
        listed = api.http.get("/api/jobs")
        posted = api.http.post("/api/jobs", json={"type": "echo", "input": {"message": "x"}})
        ready = httpx.get(f"{stack.url}/api/ready", timeout=30)
        ids = {job_id: job["type"] for job_id, job in ledger.submitted.items()}
        outage = wait_until(
            lambda: asyncio.run(outage_observed(temporal_server.address, ids)),
            120,
            "every job to meet the outage: exports failed, retrying jobs retried",
        )
        own_postgres.start()
        back = now()

        final = ledger.wait_all_finished(timeout=150)
        recovered = now()
        mail = {to: len(smtp_sink.messages_to(to)) for to in recipients}
        reminder = smtp_sink.messages_to(api.email)
        result = record(
            ledger.result(
                "PostgreSQL stopped and started",
                final,
                recovered,
                back,
                side_effect_duplicates=sum(max(n - 1, 0) for n in mail.values())
                + max(len(reminder) - 1, 0),
                detail=(
                    f"down {back - stopped:.1f} s; during it /api/health {health.status_code}, "
                    f"GET and POST /api/jobs {listed.status_code}/{posted.status_code}, "
                    f"/api/ready {ready.status_code}; {outage}; "
                    f"{sum(mail.values())} messages for 3 emails, {len(reminder)} reminder"
                ),
            )
        )

        assert_clean(result)
        assert health.status_code == 200
        for response in (listed, posted):
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "database_unavailable"
        assert ready.status_code == 503
        checks = ready.json()["error"]["details"]["checks"]
        assert checks["database"]["ok"] is False and checks["temporal"]["ok"] is True
        for job_id in ledger.of_type("export"):
            assert "the app database is unavailable" in final[job_id]["error"], final[job_id]
        assert mail == dict.fromkeys(recipients, 1)
        assert len(reminder) == 1
        assert (stack.web.process.pid, stack.worker.process.pid) == pids  # type: ignore[union-attr]
        assert api.http.get("/api/ready").status_code == 200
    finally:
        stack.stop()


async def outage_observed(address: str, types: dict[str, str]) -> str | None:
    """A summary once every job has met the outage as its type declares, else None.

    FAIL jobs have closed as failed; NOT_USED jobs have finished; RETRY jobs have an
    activity that failed at least once and is waiting to retry.
    """
    client = await Client.connect(address)
    retried, failed, finished = 0, 0, 0
    for job_id, job_type in types.items():
        declared = REGISTRY.get(job_type).on_database_down  # type: ignore[union-attr]
        description = await client.get_workflow_handle(f"job-{job_id}").describe()
        if declared is OnDatabaseDown.FAIL:
            if description.status is not WorkflowExecutionStatus.FAILED:
                return None
            failed += 1
        elif declared is OnDatabaseDown.NOT_USED:
            if description.status is not WorkflowExecutionStatus.COMPLETED:
                return None
            finished += 1
        else:
            if not await has_retried(client, description.raw_description, job_id):
                return None
            retried += 1
    return f"{failed} failed as declared, {retried} retried, {finished} carried on"


async def has_retried(client: Client, raw: Any, job_id: str) -> bool:
    if any(activity.attempt >= 2 for activity in raw.pending_activities):
        return True
    # reminders sends its mail through a child `email` workflow; its retries count too.
    for child in raw.pending_children:
        child_raw = (await client.get_workflow_handle(child.workflow_id).describe()).raw_description
        if any(activity.attempt >= 2 for activity in child_raw.pending_activities):
            return True
    return False
