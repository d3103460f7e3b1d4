"""The web app's side of jobs: start them in Temporal and keep their rows current.

Temporal is the source of truth for a job's state; the `jobs` row is the app's
record of it (owner, type, input, idempotency key) and a cache of the state, read
again from Temporal while the job is not finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ActivityError, FailureError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from app.db import Database, utcnow
from app.jobs.base import JobContext, JobInput, JobType, Progress
from app.models import Job
from app.settings import Settings
from app.temporal_client import TemporalGateway

IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c2d4e-7a0b-4c55-9e0f-2b8d3c1a7e90")
REFRESH_CONCURRENCY = 20
REFRESH_LIMIT = 200


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
_CLOSED = {
    WorkflowExecutionStatus.COMPLETED: JobStatus.SUCCEEDED,
    WorkflowExecutionStatus.FAILED: JobStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT: JobStatus.FAILED,
    WorkflowExecutionStatus.TERMINATED: JobStatus.FAILED,
    WorkflowExecutionStatus.CANCELED: JobStatus.CANCELLED,
}


class IdempotencyConflict(Exception):
    """The key was used before for a different request."""


class NotCancellable(Exception):
    """The job has already finished."""


@dataclass
class Snapshot:
    status: JobStatus
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: Progress | None = None
    result: Any = None
    error: str | None = None


def workflow_id(job_id: str) -> str:
    return f"job-{job_id}"


def job_id_for(owner_id: int, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{owner_id}:{idempotency_key}"))


class JobTracker:
    def __init__(self, settings: Settings, database: Database, gateway: TemporalGateway) -> None:
        self.settings = settings
        self.database = database
        self.gateway = gateway

    def start(
        self, owner_id: int, job_type: JobType, data: JobInput, idempotency_key: str | None
    ) -> tuple[Job, bool]:
        """Start a job; with a known idempotency key, return the existing job instead."""
        stored_input = data.model_dump(mode="json")
        existing = self._by_key(owner_id, idempotency_key)
        if existing is not None:
            return _same_request(existing, job_type.name, stored_input), False
        job_id = job_id_for(owner_id, idempotency_key)
        try:
            with self.database.session() as session:
                job = Job(
                    id=job_id,
                    owner_id=owner_id,
                    type=job_type.name,
                    status=JobStatus.QUEUED,
                    input=stored_input,
                    idempotency_key=idempotency_key,
                )
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

    def refresh(self, jobs: Sequence[Job], wait_seconds: float = 0) -> None:
        """Bring unfinished jobs up to date from Temporal, optionally waiting for one to end."""
        pending = [job for job in jobs if job.status not in TERMINAL]
        if not pending:
            return
        snapshots = self.gateway.run(
            lambda client: _snapshots(client, [job.id for job in pending], wait_seconds),
            timeout=wait_seconds + self.settings.temporal_rpc_timeout_seconds * 2,
        )
        with self.database.session() as session:
            for job in pending:
                _apply(job, snapshots[job.id])
                session.merge(job)

    def refresh_owner(self, owner_id: int) -> None:
        with self.database.session() as session:
            unfinished = session.scalars(
                select(Job)
                .where(Job.owner_id == owner_id, Job.status.not_in(list(TERMINAL)))
                .order_by(Job.created_at.desc())
                .limit(REFRESH_LIMIT)
            ).all()
        self.refresh(unfinished)

    def cancel(self, job: Job) -> None:
        self.refresh([job])
        if job.status in TERMINAL:
            raise NotCancellable(job.status)

        async def request_cancel(client: Client) -> None:
            handle = client.get_workflow_handle(workflow_id(job.id))
            await handle.cancel(rpc_timeout=self.gateway.rpc_timeout)

        self.gateway.run(request_cancel)
        with self.database.session() as session:
            job.cancel_requested_at = utcnow()
            session.merge(job)


def _same_request(job: Job, type_name: str, stored_input: Any) -> Job:
    if job.type != type_name or job.input != stored_input:
        raise IdempotencyConflict(job.id)
    return job


def _apply(job: Job, snapshot: Snapshot) -> None:
    job.status = snapshot.status
    job.started_at = snapshot.started_at or job.started_at
    job.finished_at = snapshot.finished_at
    if snapshot.progress is not None:
        job.progress_done = snapshot.progress.done
        job.progress_total = snapshot.progress.total
    if snapshot.status is JobStatus.SUCCEEDED:
        job.result = snapshot.result
        if job.progress_total is not None:
            job.progress_done = job.progress_total
    job.error = snapshot.error


async def _snapshots(
    client: Client, job_ids: list[str], wait_seconds: float
) -> dict[str, Snapshot]:
    limit = asyncio.Semaphore(REFRESH_CONCURRENCY)

    async def one(job_id: str) -> tuple[str, Snapshot]:
        async with limit:
            handle = client.get_workflow_handle(workflow_id(job_id))
            ended: _Ended | None = None
            if wait_seconds > 0:
                ended = await _wait_for_end(handle, wait_seconds)
            return job_id, await _snapshot(client, handle, ended)

    return dict(await asyncio.gather(*(one(job_id) for job_id in job_ids)))


@dataclass(frozen=True)
class _Ended:
    """What the long poll already fetched, so the snapshot need not fetch it again."""

    result: Any


async def _wait_for_end(handle: WorkflowHandle[Any, Any], seconds: float) -> _Ended | None:
    # Still running, or ended badly: the snapshot taken next reads which.
    with contextlib.suppress(TimeoutError, WorkflowFailureError):
        return _Ended(await asyncio.wait_for(handle.result(follow_runs=True), timeout=seconds))
    return None


async def _snapshot(
    client: Client, handle: WorkflowHandle[Any, Any], ended: _Ended | None = None
) -> Snapshot:
    try:
        description = await handle.describe(rpc_timeout=timedelta(seconds=5))
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return Snapshot(
                JobStatus.FAILED, error="the job's workflow no longer exists in Temporal"
            )
        raise
    closed = _CLOSED.get(description.status) if description.status is not None else None
    if closed is None:
        return await _running_snapshot(client, description)
    snapshot = Snapshot(closed, description.start_time, description.close_time)
    if ended is not None and closed is JobStatus.SUCCEEDED:
        snapshot.result = ended.result
        return snapshot
    try:
        snapshot.result = await handle.result(rpc_timeout=timedelta(seconds=5))
    except WorkflowFailureError as failure:
        snapshot.error = failure_message(failure) if closed is JobStatus.FAILED else None
    return snapshot


async def _running_snapshot(client: Client, description: WorkflowExecutionDescription) -> Snapshot:
    pending = description.raw_description.pending_activities
    started = any(a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED for a in pending)
    status = JobStatus.RUNNING if started or description.history_length >= 4 else JobStatus.QUEUED
    snapshot = Snapshot(status, description.start_time)
    for activity in pending:
        if activity.heartbeat_details.payloads:
            decoded = await client.data_converter.decode(
                activity.heartbeat_details.payloads, [Progress]
            )
            if decoded and isinstance(decoded[0], Progress):
                snapshot.progress = decoded[0]
    return snapshot


def failure_message(failure: BaseException) -> str:
    """The innermost cause's message, named after the activity that raised it."""
    activity_name = None
    error: BaseException | None = failure
    message = str(failure)
    while error is not None:
        if isinstance(error, ActivityError):
            activity_name = error.activity_type
        if isinstance(error, FailureError) and error.message:
            message = error.message
        error = error.__cause__
    return f"{activity_name}: {message}" if activity_name else message
