"""What the jobs API answers about a job, built straight from its row's columns.

Reads select `JOB_COLUMNS` with Core (no ORM identity map or instance loading): a job
read is one statement psycopg prepares, and its answer a function of the row alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import Select, bindparam, select

from app.api.reads import PreparedRead
from app.db import as_utc
from app.jobs.registry import REGISTRY
from app.jobs.state import workflow_id
from app.jobs.status import TERMINAL, JobStatus
from app.models import Job


class JobRecord(NamedTuple):
    """The columns a job's answer is built from (an ORM Job has the same attributes)."""

    id: str
    type: str
    status: str
    input: Any
    result: Any
    error: str | None
    progress_done: int | None
    progress_total: int | None
    idempotency_key: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested_at: datetime | None


JobRow = JobRecord | Job
JOB_COLUMNS = tuple(getattr(Job, name) for name in JobRecord._fields)
_changing = attrgetter(
    "id",
    "status",
    "progress_done",
    "progress_total",
    "started_at",
    "finished_at",
    "cancel_requested_at",
)
# Built once: a select's columns are coerced and de-duplicated when it is built, which
# costs a list read a sixth of its CPU if done per request; `.where()` copies it cheaply.
JOBS = select(*JOB_COLUMNS)
# Compiled once, and prepared by psycopg on the server (app/api/reads.py).
OWNED_JOB = PreparedRead(
    JOBS.where(Job.id == bindparam("job_id"), Job.owner_id == bindparam("owner_id")),
    JobRecord,
)


class ProgressOut(BaseModel):
    done: int
    total: int


class JobOut(BaseModel):
    """A job."""

    id: str
    type: str
    status: JobStatus
    input: dict[str, Any]
    result: Any | None
    error: str | None
    progress: ProgressOut | None
    idempotency_key: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested_at: datetime | None
    artifact_url: str | None
    workflow_id: str = Field(description="the job's workflow in Temporal (for the Temporal UI)")
    stale: bool = Field(
        description="unfinished, and the worker has not confirmed the state against Temporal "
        "recently (Temporal or the worker is down): the last known state"
    )


class JobPage(BaseModel):
    """A page of jobs, newest first."""

    items: list[JobOut]
    next_cursor: str | None
    version: str = Field(description="changes whenever the page does; pass it back with `wait`")
    stale: bool = Field(description="some item is stale (see JobOut.stale)")
    synced_at: datetime | None = Field(
        description="when the worker last confirmed the unfinished jobs against Temporal"
    )


def owned_job_query(job_id: str, owner_id: int) -> Select[Any]:
    """The job read of `GET /api/jobs/<id>` (also what the density benchmark sends)."""
    return select(*JOB_COLUMNS).where(Job.id == job_id, Job.owner_id == owner_id)


def job_out(job: JobRow, stale: bool) -> JobOut:
    """`stale` is only asked of unfinished jobs (see Freshness.is_stale)."""
    finished = job.status in TERMINAL
    job_type = REGISTRY.get(job.type)
    has_artifact = job_type is not None and job_type.produces_artifact
    progress = None
    if job.progress_total is not None and job.progress_done is not None:
        progress = ProgressOut(done=job.progress_done, total=job.progress_total)
    return JobOut(
        id=job.id,
        type=job.type,
        status=JobStatus(job.status),
        input=job.input,
        result=job.result,
        error=job.error,
        progress=progress,
        idempotency_key=job.idempotency_key,
        created_at=as_utc(job.created_at) or job.created_at,
        started_at=as_utc(job.started_at),
        finished_at=as_utc(job.finished_at),
        cancel_requested_at=as_utc(job.cancel_requested_at),
        artifact_url=(
            f"/api/jobs/{job.id}/artifact"
            if has_artifact and job.status == JobStatus.SUCCEEDED
            else None
        ),
        workflow_id=workflow_id(job.id),
        stale=not finished and stale,
    )


def page_version(rows: Sequence[JobRow], next_cursor: str | None) -> str:
    """A hash of what the page shows but `stale`. Only the columns a job's writes change
    are hashed: the others are fixed at insert, and `result` and `error` change only with
    `status` (app/jobs/state.py), so hashing them too (a job's whole input) adds nothing."""
    content = repr(([_changing(row) for row in rows], next_cursor))
    return hashlib.sha256(content.encode()).hexdigest()[:32]
