"""The web app's side of jobs: start them in Temporal and request their cancellation.

Temporal is the source of truth for a job's state; the `jobs` row is the app's
record of it (owner, type, input, idempotency key) and a copy of the state that the
worker side keeps current (`app/jobs/state.py`, `app/worker/job_sync.py`). Reads
use the row only; the writes here are the only web-app calls to Temporal.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from app.db import Database, utcnow
from app.jobs.base import JobContext, JobInput, JobType
from app.jobs.state import JobStateStore, Outcome, inserting, workflow_id
from app.jobs.status import TERMINAL, JobStatus
from app.jobs.temporal_state import described_outcome, temporal_origin
from app.models import Job
from app.settings import Settings
from app.temporal_client import TemporalGateway

__all__ = ["TERMINAL", "IdempotencyConflict", "JobStatus", "JobTracker", "NotCancellable"]

IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c2d4e-7a0b-4c55-9e0f-2b8d3c1a7e90")


class IdempotencyConflict(Exception):
    """The key was used before for a different request."""


class NotCancellable(Exception):
    """The job has already finished."""


def job_id_for(owner_id: int, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{owner_id}:{idempotency_key}"))


class JobTracker:
    def __init__(self, settings: Settings, database: Database, gateway: TemporalGateway) -> None:
        self.settings = settings
        self.database = database
        self.gateway = gateway
        self.store = JobStateStore(database)
        self._origin: str | None = None  # the Temporal this process starts workflows on

    def start(
        self,
        owner_id: int,
        job_type: JobType,
        data: JobInput,
        idempotency_key: str | None,
        job_id: str,
    ) -> tuple[Job, bool]:
        """Start a job as `job_id`, which is `job_id_for(owner_id, idempotency_key)`; with a
        known idempotency key, return the existing job instead."""
        stored_input = data.model_dump(mode="json")
        existing = self._by_key(owner_id, idempotency_key)
        if existing is not None:
            return _same_request(existing, job_type.name, stored_input), False
        if self._origin is None:
            self._origin = self.gateway.run(temporal_origin)
        values = {
            "id": job_id,
            "owner_id": owner_id,
            "type": job_type.name,
            "status": JobStatus.QUEUED,
            "input": stored_input,
            "idempotency_key": idempotency_key,
            "temporal_origin": self._origin,
            "created_at": utcnow(),
        }
        job = Job(**values)  # the answer; the row is written below
        try:
            with self.database.session() as session:
                if session.get_bind().dialect.name == "postgresql":
                    # Row, lock (the worker's writes wait for the commit) and notice at once.
                    inserting(session.connection(), values)
                else:
                    session.add(job)
                    session.flush()
                self.gateway.run(lambda client: self._start_workflow(client, job, job_type, data))
        except IntegrityError:
            # A concurrent request with the same key won the insert; answer with its job.
            winner = self._by_key(owner_id, idempotency_key)
            if winner is None:
                raise
            return _same_request(winner, job_type.name, stored_input), False
        return job, True

    async def _start_workflow(
        self, client: Client, job: Job, job_type: JobType, data: JobInput
    ) -> None:
        # WorkflowAlreadyStartedError: an earlier attempt with this key started it.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await client.start_workflow(
                job_type.name,
                args=[JobContext(owner_id=job.owner_id), data],
                id=workflow_id(job.id),
                task_queue=self.settings.temporal_task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                execution_timeout=job_type.execution_timeout,
                memo={"owner_id": job.owner_id, "job_type": job_type.name},
                rpc_timeout=self.gateway.rpc_timeout,
            )

    def _by_key(self, owner_id: int, idempotency_key: str | None) -> Job | None:
        if idempotency_key is None:
            return None
        with self.database.session() as session:
            return session.scalar(
                select(Job).where(Job.owner_id == owner_id, Job.idempotency_key == idempotency_key)
            )

    def cancel(self, job: Job) -> Job:
        """Request cancellation in Temporal; the worker records the job's end."""
        if job.status in TERMINAL:
            raise NotCancellable(job.status)

        async def request_cancel(client: Client) -> Outcome | None:
            handle = client.get_workflow_handle(workflow_id(job.id))
            try:
                await handle.cancel(rpc_timeout=self.gateway.rpc_timeout)
            except RPCError as error:
                if error.status is not RPCStatusCode.NOT_FOUND:
                    raise
                # Already closed in Temporal while the row said otherwise: repair it now.
                return await described_outcome(client, workflow_id(job.id))
            return None

        closed = self.gateway.run(request_cancel)
        if closed is not None:
            self.store.record_outcome(job.id, closed, started_at=None)
            raise NotCancellable(closed.status)
        job.cancel_requested_at = utcnow()
        self.store.mark_cancel_requested(job.id, job.cancel_requested_at)
        return job


def _same_request(job: Job, type_name: str, stored_input: Any) -> Job:
    if job.type != type_name or job.input != stored_input:
        raise IdempotencyConflict(job.id)
    return job
