"""The jobs API (DESIGN.md section 6): start, list, read, wait for and cancel jobs."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Select, and_, or_, select

from app.api.errors import ApiError, not_found, validation_failed
from app.api.pagination import PageQuery, decode_cursor, split_page
from app.api.reads import read_connection, read_session, release_read_connection
from app.api.spec import QueryModel, endpoint
from app.auth.tokens import CurrentAccount
from app.db import as_utc
from app.jobs.changes import job_key, owner_key
from app.jobs.registry import REGISTRY
from app.jobs.state import workflow_id
from app.jobs.status import TERMINAL, JobStatus
from app.jobs.tracker import IdempotencyConflict, NotCancellable
from app.models import Job, JobArtifact
from app.services import services

blueprint = Blueprint("jobs", __name__, url_prefix="/api")

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"


class JobTypeOut(BaseModel):
    name: str
    description: str
    input_schema: dict[str, Any]


class JobTypeList(BaseModel):
    """The registered job types and the JSON schema of their input."""

    items: list[JobTypeOut]


class JobCreate(BaseModel):
    type: str = Field(min_length=1, max_length=64, description="a name from /api/job-types")
    input: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=IDEMPOTENCY_KEY_PATTERN
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


class JobListQuery(PageQuery):
    type: str | None = Field(default=None, max_length=64)
    status: JobStatus | None = None
    wait: float = Field(
        default=0,
        ge=0,
        le=30,
        description="with `version`: seconds to wait for the page to differ from it (long poll)",
    )
    version: str | None = Field(
        default=None, max_length=64, pattern=r"^[0-9a-f]+$", description="a page's `version`"
    )


class JobWaitQuery(QueryModel):
    wait: float = Field(
        default=0, ge=0, le=30, description="seconds to wait for the job to finish (long poll)"
    )


@endpoint(blueprint, "/job-types", "GET", summary="Registered job types", response=JobTypeList)
def job_types() -> JobTypeList:
    return JobTypeList(
        items=[
            JobTypeOut(name=job.name, description=job.description, input_schema=job.input_schema())
            for job in REGISTRY
        ]
    )


@endpoint(
    blueprint,
    "/jobs",
    "POST",
    summary="Start a job; the same idempotency key returns the same job",
    response=JobOut,
    status=202,
    body=JobCreate,
    auth=True,
    errors={409: "the idempotency key was used for a different request"},
    other_successes={200: "a job with this idempotency key exists already: that job"},
)
def create_job(account: CurrentAccount, body: JobCreate) -> tuple[JobOut, int]:
    job_type = REGISTRY.get(body.type)
    if job_type is None:
        raise ApiError(
            422,
            "validation_error",
            f"type: unknown job type {body.type!r}; expected one of {', '.join(REGISTRY.names)}",
            {"fields": [{"field": "type", "message": "unknown job type", "type": "enum"}]},
        )
    limit = services().settings.job_input_max_bytes
    size = len(json.dumps(body.input))
    if size > limit:
        raise ApiError(413, "input_too_large", f"input is {size} bytes; the limit is {limit}")
    try:
        data = job_type.input_model.model_validate(body.input)
    except ValidationError as error:
        raise validation_failed(error, prefix="input") from None
    try:
        job, created = services().jobs.start(account.id, job_type, data, body.idempotency_key)
    except IdempotencyConflict:
        raise ApiError(
            409,
            "idempotency_conflict",
            "this idempotency_key was already used for a different type or input",
        ) from None
    return one_job_out(job), 202 if created else 200


@endpoint(
    blueprint,
    "/jobs",
    "GET",
    summary="Your jobs, newest first, filtered by type and status",
    response=JobPage,
    query=JobListQuery,
    auth=True,
)
def list_jobs(account: CurrentAccount, query: JobListQuery) -> JobPage:
    deadline = time.monotonic() + query.wait
    with services().changes.watch([owner_key(account.id)]) as watch:
        while True:
            page = _list_page(account, query)
            remaining = deadline - time.monotonic()
            if query.version is None or page.version != query.version or remaining <= 0:
                return page
            release_read_connection()
            watch.wait(remaining)


def _list_page(account: CurrentAccount, query: JobListQuery) -> JobPage:
    statement = select(Job).where(Job.owner_id == account.id)
    if query.type is not None:
        statement = statement.where(Job.type == query.type)
    if query.status is not None:
        statement = statement.where(Job.status == query.status)
    if query.cursor is not None:
        created_at, job_id = decode_cursor(query.cursor)
        statement = statement.where(
            or_(
                Job.created_at < created_at,
                and_(Job.created_at == created_at, Job.id < str(job_id)),
            )
        )
    statement = statement.order_by(Job.created_at.desc(), Job.id.desc()).limit(query.limit + 1)
    with read_session() as session:
        rows = session.scalars(statement).all()
    page, next_cursor = split_page(rows, query.limit)
    synced_at = services().freshness.synced_at(read_connection())
    items = [job_out(job, synced_at) for job in page]
    return JobPage(
        items=items,
        next_cursor=next_cursor,
        version=_version(items, next_cursor),
        stale=any(item.stale for item in items),
        synced_at=synced_at,
    )


def _version(items: list[JobOut], next_cursor: str | None) -> str:
    content = json.dumps(
        [[item.model_dump(mode="json", exclude={"stale"}) for item in items], next_cursor],
        sort_keys=True,
    )
    return hashlib.sha256(content.encode()).hexdigest()[:32]


@endpoint(
    blueprint,
    "/jobs/<uuid:job_id>",
    "GET",
    summary="One job; `wait` long-polls until it finishes",
    response=JobOut,
    query=JobWaitQuery,
    auth=True,
)
def get_job(account: CurrentAccount, job_id: Any, query: JobWaitQuery) -> JobOut:
    if query.wait <= 0:
        return one_job_out(owned_job(account, str(job_id)))
    deadline = time.monotonic() + query.wait
    with services().changes.watch([job_key(str(job_id))]) as watch:
        while True:
            job = owned_job(account, str(job_id))
            remaining = deadline - time.monotonic()
            if job.status in TERMINAL or remaining <= 0:
                return one_job_out(job)
            release_read_connection()
            watch.wait(remaining)


@endpoint(
    blueprint,
    "/jobs/<uuid:job_id>/cancel",
    "POST",
    summary="Request cancellation",
    response=JobOut,
    status=202,
    auth=True,
    errors={409: "the job has already finished"},
)
def cancel_job(account: CurrentAccount, job_id: Any) -> JobOut:
    job = owned_job(account, str(job_id))
    try:
        services().jobs.cancel(job)
    except NotCancellable as finished:
        raise ApiError(
            409, "job_finished", f"the job has already finished ({finished.args[0]})"
        ) from None
    return one_job_out(job)


@endpoint(
    blueprint,
    "/jobs/<uuid:job_id>/artifact",
    "GET",
    summary="Download the file a job produced",
    auth=True,
    response_description="the file (text/csv for exports)",
)
def job_artifact(account: CurrentAccount, job_id: Any) -> Response:
    job = owned_job(account, str(job_id))
    with services().database.session() as session:
        artifact = session.get(JobArtifact, workflow_id(job.id))
    if artifact is None:
        raise not_found("artifact")
    return Response(
        artifact.content,
        mimetype=artifact.content_type,
        headers={"Content-Disposition": f'attachment; filename="{artifact.filename}"'},
    )


def owned_job_query(job_id: str, owner_id: int) -> Select[Job]:
    """The job read of `GET /api/jobs/<id>` (also what the density benchmark sends)."""
    return select(Job).where(Job.id == job_id, Job.owner_id == owner_id)


def owned_job(account: CurrentAccount, job_id: str) -> Job:
    with read_session() as session:
        job = session.scalar(owned_job_query(job_id, account.id))
    if job is None:
        raise not_found("job")
    return job


def one_job_out(job: Job) -> JobOut:
    finished = job.status in TERMINAL
    return job_out(job, None if finished else services().freshness.synced_at(read_connection()))


def job_out(job: Job, synced_at: datetime | None) -> JobOut:
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
        stale=not finished and services().freshness.is_stale(synced_at),
    )
