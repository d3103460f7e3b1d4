"""A job's outcome is the close Temporal recorded: the worker writes it once Temporal has
accepted the run's end (`app/worker/closes.py`), never a completion Temporal rejected."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from temporalio import workflow
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.worker import (
    UnsandboxedWorkflowRunner,
    Worker,
    WorkflowInstance,
    WorkflowInstanceDetails,
)

from app.db import Database, as_utc
from app.jobs.base import JobContext
from app.jobs.state import JobStateStore, workflow_id
from app.migrate import upgrade
from app.models import Account, Job
from app.settings import Settings
from app.temporal_client import connect_client
from app.worker.closes import ReportingCloses, ending_command
from app.worker.job_sync import JobSync
from app.worker.wrapped import WrappedInstance, WrappedRunner
from devstack.accounts import new_email
from devstack.postgres import PostgresServer
from devstack.stack import process_env
from devstack.waiting import wait_until
from tests.conftest import settings_from_env

GATE_SECONDS = 1.5  # under the SDK's 2 s deadlock detection of a workflow thread


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


def row(database: Database, job_id: str) -> Job:
    with database.session() as session:
        found = session.scalar(select(Job).where(Job.id == job_id))
    assert found is not None
    return found


@pytest.mark.usefixtures("worker")
def test_a_close_is_recorded_once_temporal_has_recorded_it(
    client: FlaskClient, auth: dict[str, str], settings: Settings, database: Database
) -> None:
    body = {"type": "echo", "input": {"message": "accepted"}}
    job_id = client.post("/api/jobs", json=body, headers=auth).get_json()["id"]
    done = client.get(f"/api/jobs/{job_id}?wait=20", headers=auth).get_json()
    assert done["status"] == "succeeded"
    assert done["result"] == {"message": "accepted", "delay_ms": 0}

    async def close_time() -> Any:
        temporal = await connect_client(settings)
        return (await temporal.get_workflow_handle(workflow_id(job_id)).describe()).close_time

    # Written after Temporal's close event, not as the completion left the worker.
    closed, finished = asyncio.run(close_time()), as_utc(row(database, job_id).finished_at)
    assert closed is not None and finished is not None
    assert finished >= closed, (finished, closed)


@workflow.defn(name="test-ends-with-its-time")
class EndsWithItsTime:
    """Returns the time of the workflow task that ends it: a retried end returns another."""

    @workflow.run
    async def run(self, job: JobContext) -> str:
        return workflow.now().isoformat()

    @workflow.signal
    def poke(self) -> None:
        """Only its arrival matters: it leaves a held end an unhandled command."""


class HoldingEnds(WrappedRunner):
    """Holds the first live activation that ends a run until `release`, so the test can
    make Temporal reject that completion: a signal that arrives meanwhile leaves the end an
    unhandled command, and the run is retried."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.held = threading.Event()
        self.release = threading.Event()

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Holding(self.inner.create_instance(det), self)


class _Holding(WrappedInstance):
    def __init__(self, inner: WorkflowInstance, runner: HoldingEnds) -> None:
        super().__init__(inner)
        self.runner = runner

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        completion = self.inner.activate(act)
        if ending_command(act, completion) is not None and not self.runner.held.is_set():
            self.runner.held.set()
            self.runner.release.wait(GATE_SECONDS)
        return completion


async def run_rejected_end(settings: Settings, database: Database, job_id: str) -> Any:
    """The job's workflow on a worker of its own, its first end held until a signal has
    reached Temporal; returns what Temporal finally recorded."""
    client = await connect_client(settings)
    sync = JobSync(JobStateStore(database))
    holding = HoldingEnds(UnsandboxedWorkflowRunner())
    task_queue = f"rejected-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[EndsWithItsTime],
        workflow_runner=ReportingCloses(holding, sync.run_evicted),
    )
    try:
        async with worker:
            handle = await client.start_workflow(
                EndsWithItsTime.run,
                JobContext(),
                id=workflow_id(job_id),
                task_queue=task_queue,
                task_timeout=timedelta(seconds=10),
            )
            held = await asyncio.get_running_loop().run_in_executor(None, holding.held.wait, 30)
            assert held, "the run never ended"
            await handle.signal(EndsWithItsTime.poke)
            holding.release.set()
            try:
                result = await handle.result()
            except WorkflowFailureError:
                result = None
            described = await handle.describe()
            history = await handle.fetch_history()
    finally:
        await sync.close()
    return described.status, result, history


@pytest.fixture
def unreconciled(postgres: PostgresServer | None, base_env: dict[str, str]) -> Iterator[Database]:
    """A database no reconciler watches (the session's worker reconciles the shared one), so
    a row there is written by the worker's report of a close or not at all."""
    if postgres is None:
        pytest.skip("needs a PostgreSQL server it may create databases on")
    url = postgres.create_database(f"closes_{uuid.uuid4().hex[:8]}")
    database = Database(settings_from_env(process_env(base_env, DATABASE_URL=url)))
    upgrade(database.engine)
    yield database
    database.dispose()


def test_a_completion_temporal_rejects_is_never_recorded_the_close_it_accepts_is(
    settings: Settings, unreconciled: Database
) -> None:
    job_id = str(uuid.uuid4())
    with unreconciled.session() as session:
        owner = Account(email=new_email(), password_hash="unused")
        session.add(owner)
        session.flush()
        session.add(Job(id=job_id, owner_id=owner.id, type="echo", status="queued", input={}))

    status, result, history = asyncio.run(run_rejected_end(settings, unreconciled, job_id))

    rejected = [
        event
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        and event.workflow_task_failed_event_attributes.cause
        == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND
    ]
    assert rejected, "Temporal accepted the held end: the signal came too late"
    expected = {
        WorkflowExecutionStatus.COMPLETED: "succeeded",
        WorkflowExecutionStatus.CANCELED: "cancelled",
    }[status]
    # Only the worker's report writes here; the rejected end's, if it had been written,
    # would have stayed (a finished row takes no other write).
    recorded = wait_until(
        lambda: (seen := row(unreconciled, job_id)).status != "queued" and seen,
        20,
        "the worker to record the close Temporal accepted",
    )
    assert (recorded.status, recorded.result) == (expected, result)
