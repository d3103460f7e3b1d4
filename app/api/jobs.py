"""The jobs API (DESIGN.md section 6): start, list, read, wait for and cancel jobs."""

from __future__ import annotations

import functools
import json
from typing import Any
from uuid import UUID

from flask import Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import and_, bindparam, or_, select

from app.api.deps import signed_in
from app.api.errors import ApiError, not_found, validation_failed
from app.api.job_out import (
    JOBS,
    OWNED_JOB,
    JobOut,
    JobPage,
    JobRecord,
    JobRow,
    job_out,
    page_version,
)
from app.api.job_out import owned_job_query as owned_job_query  # bench/density.py reads it here
from app.api.job_waits import long_poll
from app.api.openapi import (
    BODY_ERRORS,
    WRITE_ERRORS,
    JsonBody,
    QueryModel,
    api_blueprint,
    error,
)
from app.api.pagination import PageQuery, decode_cursor, split_page
from app.api.reads import (
    PreparedRead,
    read_connection,
    read_session,
)
from app.auth.tokens import CurrentAccount
from app.jobs.changes import finished_key, owner_key
from app.jobs.registry import REGISTRY
from app.jobs.state import workflow_id
from app.jobs.status import TERMINAL, JobStatus
from app.jobs.tracker import IdempotencyConflict, NotCancellable, job_id_for
from app.models import Job, JobArtifact
from app.services import services

blueprint = api_blueprint("jobs", __name__, url_prefix="/api")

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"


class JobTypeOut(BaseModel):
    name: str
    description: str
    input_schema: dict[str, Any]


class JobTypeList(BaseModel):
    """The registered job types and the JSON schema of their input."""

    items: list[JobTypeOut]


class JobCreate(JsonBody):
    type: str = Field(min_length=1, max_length=64, description="a name from /api/job-types")
    input: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=IDEMPOTENCY_KEY_PATTERN
    )


class JobListQuery(PageQuery):
    type: str | None = Field(default=None, max_length=64)
    status: JobStatus | None = None
    wait: float = Field(
        default=0,
        ge=0,
        le=30,
        description=(
            "with `version`: seconds to wait for the page to differ from it (long poll); "
            "a server holding all the long polls it may answers at once, with Retry-After"
        ),
    )
    version: str | None = Field(
        default=None, max_length=64, pattern=r"^[0-9a-f]+$", description="a page's `version`"
    )


class JobWaitQuery(QueryModel):
    wait: float = Field(
        default=0,
        ge=0,
        le=30,
        description=(
            "seconds to wait for the job to finish (long poll); a server holding all the "
            "long polls it may answers at once, with Retry-After"
        ),
    )


class JobPath(BaseModel):
    job_id: UUID


@blueprint.get("/job-types", summary="Registered job types", responses={200: JobTypeList})
def job_types() -> JobTypeList:
    return JobTypeList(
        items=[
            JobTypeOut(name=job.name, description=job.description, input_schema=job.input_schema())
            for job in REGISTRY
        ]
    )


@signed_in(
    blueprint.post,
    "/jobs",
    "Start a job (the same idempotency key: the same job); `wait` long-polls until it ends",
    {
        200: {
            "description": "a job with this idempotency key exists already: that job",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobOut"}}},
        },
        202: JobOut,
        **BODY_ERRORS,
        409: error("the idempotency key was used for a different request"),
    },
)
def create_job(account: CurrentAccount, body: JobCreate, query: JobWaitQuery) -> tuple[JobOut, int]:
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
    job_id = job_id_for(account.id, body.idempotency_key)
    with long_poll([finished_key(job_id)], query.wait) as poll:  # before the job can end
        try:
            job, created = services().jobs.start(
                account.id, job_type, data, body.idempotency_key, job_id
            )
        except IdempotencyConflict:
            raise ApiError(
                409,
                "idempotency_conflict",
                "this idempotency_key was already used for a different type or input",
            ) from None
        started: JobRow = job
        row = poll.after(started, lambda: owned_job_row(account, job_id), _ended)
    return one_job_out(row), 202 if created else 200


@signed_in(
    blueprint.get, "/jobs", "Your jobs, newest first, filtered by type and status", {200: JobPage}
)
def list_jobs(account: CurrentAccount, query: JobListQuery) -> JobPage:
    asked = query.wait if query.version is not None else 0.0
    with long_poll([owner_key(account.id)], asked) as poll:
        return poll.until(
            lambda: _list_page(account, query), lambda page: page.version != query.version
        )


def _list_page(account: CurrentAccount, query: JobListQuery) -> JobPage:
    params: dict[str, Any] = {"owner_id": account.id, "limit": query.limit + 1}
    if query.type is not None:
        params["type"] = query.type
    if query.status is not None:
        params["status"] = query.status.value
    if query.cursor is not None:
        params["created_at"], job_id = decode_cursor(query.cursor)
        params["job_id"] = str(job_id)
    read = _list_read(query.type is not None, query.status is not None, query.cursor is not None)
    rows = read.all(params)
    page, next_cursor = split_page(rows, query.limit)
    freshness = services().freshness
    synced_at = freshness.synced_at(read_connection)
    stale = freshness.is_stale(synced_at)
    items = [job_out(row, stale) for row in page]
    return JobPage(
        items=items,
        next_cursor=next_cursor,
        version=page_version(page, next_cursor),
        stale=any(item.stale for item in items),
        synced_at=synced_at,
    )


@signed_in(
    blueprint.get,
    "/jobs/<uuid:job_id>",
    "One job; `wait` long-polls until it finishes",
    {200: JobOut},
    item=True,
)
def get_job(account: CurrentAccount, path: JobPath, query: JobWaitQuery) -> JobOut:
    job_id = str(path.job_id)
    # Woken only by the job's end: its other changes (running, progress) do not answer.
    with long_poll([finished_key(job_id)], query.wait) as poll:
        return one_job_out(poll.until(lambda: owned_job_row(account, job_id), _ended))


def _ended(job: JobRow) -> bool:
    return job.status in TERMINAL


@signed_in(
    blueprint.post,
    "/jobs/<uuid:job_id>/cancel",
    "Request cancellation",
    {202: JobOut, **WRITE_ERRORS, 409: error("the job has already finished")},
    item=True,
)
def cancel_job(account: CurrentAccount, path: JobPath) -> tuple[JobOut, int]:
    job = owned_job(account, str(path.job_id))
    try:
        services().jobs.cancel(job)
    except NotCancellable as finished:
        raise ApiError(
            409, "job_finished", f"the job has already finished ({finished.args[0]})"
        ) from None
    return one_job_out(job), 202


@signed_in(
    blueprint.get,
    "/jobs/<uuid:job_id>/artifact",
    "Download the file a job produced",
    {200: {"description": "the file (text/csv for exports)"}},
    item=True,
)
def job_artifact(account: CurrentAccount, path: JobPath) -> Response:
    job = owned_job(account, str(path.job_id))
    with services().database.session() as session:
        artifact = session.get(JobArtifact, workflow_id(job.id))
    if artifact is None:
        raise not_found("artifact")
    return Response(
        artifact.content,
        mimetype=artifact.content_type,
        headers={"Content-Disposition": f'attachment; filename="{artifact.filename}"'},
    )


def owned_job(account: CurrentAccount, job_id: str) -> Job:
    """The ORM row, for the writes that change it."""
    with read_session() as session:
        job = session.scalar(select(Job).where(Job.id == job_id, Job.owner_id == account.id))
    if job is None:
        raise not_found("job")
    return job


def owned_job_row(account: CurrentAccount, job_id: str) -> JobRow:
    finished = services().finished_jobs
    row = finished.get(account.id, job_id)
    if row is None:
        row = OWNED_JOB.first({"job_id": job_id, "owner_id": account.id})
        if row is None:
            raise not_found("job")
        finished.keep(account.id, job_id, row)
    return row


@functools.cache
def _list_read(by_type: bool, by_status: bool, after_cursor: bool) -> PreparedRead[JobRecord]:
    """The list's statement for one combination of filters, compiled once."""
    statement = JOBS.where(Job.owner_id == bindparam("owner_id"))
    if by_type:
        statement = statement.where(Job.type == bindparam("type"))
    if by_status:
        statement = statement.where(Job.status == bindparam("status"))
    if after_cursor:
        after: Any = bindparam("created_at")
        statement = statement.where(
            or_(
                Job.created_at < after,
                and_(Job.created_at == after, Job.id < bindparam("job_id")),
            )
        )
    newest_first = statement.order_by(Job.created_at.desc(), Job.id.desc())
    return PreparedRead(newest_first.limit(bindparam("limit")), JobRecord)


def one_job_out(job: JobRow) -> JobOut:
    if job.status in TERMINAL:
        return job_out(job, stale=False)
    freshness = services().freshness
    return job_out(job, freshness.is_stale(freshness.synced_at(read_connection)))
