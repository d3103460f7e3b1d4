"""The `jobs` rows as the worker side keeps them current.

Each write records something that happened in the worker or in Temporal (an activity
started, a heartbeat's progress, the workflow closed) and on PostgreSQL sends
`NOTIFY job_changes, '<owner>:<job>'` in the same transaction, so readers waiting on the
row wake when it commits. Only an unfinished row takes a write: an outcome is always a close
Temporal recorded, so a finished row never changes again.

The web app inserts a job's row and starts its workflow in one transaction, so a fast job's
first write can come before that commit. The insert (`inserting`) holds `creating(job_id)`,
a transaction advisory lock, until it commits; each write here takes the same lock shared
first, so it waits for that commit instead of missing the row and retrying after a backoff.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.db import Database, as_utc, utcnow
from app.jobs.base import Progress
from app.jobs.row_writes import RowStatement, RowWrite, payload
from app.jobs.status import TERMINAL, JobStatus
from app.models import Job, JobStateSync, Timestamp

CHANNEL = "job_changes"
FINISHED_MARK = "finished"  # NOTIFY job_changes, '<owner>:<job>:finished': it became terminal
FRESHNESS_CACHE_SECONDS = 1.0
SYNC_NAME = "reconciler"
_WORKFLOW_ID = re.compile(r"^job-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_TERMINAL = [status.value for status in TERMINAL]


def creating(job_id: str, *, shared: bool = False) -> Select[Any]:
    """The lock a job row's insert holds until it commits (PostgreSQL only)."""
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    return select(lock(_lock_key(job_id)))


def _lock_key(job_id: Any) -> Any:
    return func.hashtextextended(job_id, 0)


INSERTED_COLUMNS = (
    "id",
    "owner_id",
    "type",
    "status",
    "input",
    "idempotency_key",
    "temporal_origin",
    "created_at",
)


def _inserting() -> Select[Any]:
    columns = Job.__table__.c
    named = {name: bindparam(name, None, type_=columns[name].type) for name in INSERTED_COLUMNS}
    row = pg_insert(Job).values(named).returning(Job.id, Job.owner_id).cte("inserted")
    return select(
        func.pg_advisory_xact_lock(_lock_key(row.c.id)),  # `creating(<its id>)`
        func.pg_notify(CHANNEL, payload(row)),
    )


_INSERTING = RowStatement(_inserting(), json_names=("input",))


def inserting(connection: Connection, values: dict[str, Any]) -> None:
    """A job row's insert, its `creating` lock and its change notice as one statement
    (PostgreSQL), in the caller's transaction: the lock is held, and the notice sent, until
    it commits. `values` holds every one of INSERTED_COLUMNS."""
    _INSERTING.execute(connection, values)


def workflow_id(job_id: str) -> str:
    return f"job-{job_id}"


def job_id_of(workflow_id: str) -> str | None:
    """The job behind a workflow id, or None for workflows that are not API jobs."""
    match = _WORKFLOW_ID.match(workflow_id)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Outcome:
    status: JobStatus
    finished_at: datetime | None
    result: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Unfinished:
    id: str
    status: JobStatus
    created_at: datetime
    # None: started before origins were recorded, so not provably this Temporal's.
    origin: str | None


class JobStateStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def mark_running(self, job_id: str, at: datetime) -> bool:
        return _MARK_RUNNING.run(self.database, {"job_id": job_id, "at": at})

    def record_progress(self, job_id: str, progress: Progress) -> bool:
        params = {"job_id": job_id, "done": progress.done, "total": progress.total}
        return _RECORD_PROGRESS.run(self.database, params)

    def record_outcome(self, job_id: str, outcome: Outcome, started_at: datetime | None) -> bool:
        """A close Temporal recorded, on the row if it is unfinished."""
        write = _OUTCOME_WRITES[outcome.status is JobStatus.SUCCEEDED]
        return write.run(self.database, _outcome_params(job_id, outcome, started_at))

    def mark_cancel_requested(self, job_id: str, at: datetime) -> bool:
        return _MARK_CANCEL_REQUESTED.run(self.database, {"job_id": job_id, "at": at})

    def exists(self, job_id: str) -> bool:
        with self.database.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            return connection.execute(select(Job.id).where(Job.id == job_id)).first() is not None

    def unfinished(self, limit: int, origin: str) -> list[Unfinished]:
        """Unfinished rows started on the Temporal `origin` names, or of unknown origin."""
        with self.database.session() as session:
            rows = session.execute(
                select(Job.id, Job.status, Job.created_at, Job.temporal_origin)
                .where(
                    Job.status.not_in(_TERMINAL),
                    or_(Job.temporal_origin == origin, Job.temporal_origin.is_(None)),
                )
                .order_by(Job.created_at)
                .limit(limit)
            ).all()
        return [
            Unfinished(
                row.id,
                JobStatus(row.status),
                as_utc(row.created_at),  # type: ignore[arg-type]
                row.temporal_origin,
            )
            for row in rows
        ]

    def unfinished_of(self, job_ids: list[str]) -> set[str]:
        """Which of these rows are unfinished now."""
        if not job_ids:
            return set()
        with self.database.session() as session:
            rows = session.scalars(select(Job.id).where(Job.id.in_(job_ids), _UNFINISHED))
            return set(rows)

    def confirm_synced(self, at: datetime) -> None:
        with self.database.session() as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(JobStateSync).values(name=SYNC_NAME, confirmed_at=at)
            session.execute(
                statement.on_conflict_do_update(index_elements=["name"], set_={"confirmed_at": at})
            )

    def synced_at(self, connection: Connection | None = None) -> datetime | None:
        query = select(JobStateSync.confirmed_at).where(JobStateSync.name == SYNC_NAME)
        if connection is not None:  # the caller's, so one thread never holds two
            return as_utc(connection.execute(query).scalar())
        with self.database.session() as session:
            return as_utc(session.scalar(query))


def _param(name: str, type_: Any = None) -> Any:
    return bindparam(name, None, type_=type_)


def _notices(*, finished: bool = False) -> Callable[[Any], list[Any]]:
    """The NOTIFY of a write: a `finished` row's says so, for the waits only a job's end
    answers."""

    def notices(rows: Any) -> list[Any]:
        mark = f":{FINISHED_MARK}" if finished else ""
        return [func.pg_notify(CHANNEL, func.concat(payload(rows), mark))]

    return notices


_ROW_LOCK = creating(_param("job_id"), shared=True)
_ROW = Job.id == _param("job_id")
_UNFINISHED = Job.status.not_in(_TERMINAL)  # a finished row never changes again
_MARK_RUNNING = RowWrite(
    update(Job)
    .where(_ROW, Job.status == JobStatus.QUEUED.value)
    .values(
        status=JobStatus.RUNNING.value,
        started_at=func.coalesce(Job.started_at, _param("at", Timestamp)),
    ),
    _notices(),
    _ROW_LOCK,
)
_RECORD_PROGRESS = RowWrite(
    update(Job)
    .where(_ROW, _UNFINISHED)
    .values(progress_done=_param("done"), progress_total=_param("total")),
    _notices(),
    _ROW_LOCK,
)
_MARK_CANCEL_REQUESTED = RowWrite(
    update(Job)
    .where(_ROW, Job.cancel_requested_at.is_(None), _UNFINISHED)
    .values(cancel_requested_at=_param("at")),
    _notices(),
    _ROW_LOCK,
)


def _outcome_write(*, succeeded: bool) -> RowWrite:
    """Record an outcome on an unfinished row."""
    values: dict[str, Any] = {
        "status": _param("status"),
        "finished_at": _param("finished_at"),
        "result": _param("result"),
        "error": _param("error"),
        "started_at": func.coalesce(Job.started_at, _param("started_at", Timestamp)),
    }
    if succeeded:
        values["progress_done"] = Job.progress_total
    changed = update(Job).where(_ROW, _UNFINISHED).values(**values)
    return RowWrite(changed, _notices(finished=True), _ROW_LOCK, {"result"})


_OUTCOME_WRITES = {succeeded: _outcome_write(succeeded=succeeded) for succeeded in (True, False)}


def _outcome_params(job_id: str, outcome: Outcome, started_at: datetime | None) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "status": outcome.status.value,
        "finished_at": outcome.finished_at,
        "result": outcome.result,
        "error": outcome.error,
        "started_at": started_at,
    }


class Freshness:
    """When the rows were last confirmed against Temporal, read at most once a second."""

    def __init__(self, store: JobStateStore, stale_after_seconds: float) -> None:
        self.store = store
        self.stale_after = timedelta(seconds=stale_after_seconds)
        self.cache_seconds = min(FRESHNESS_CACHE_SECONDS, stale_after_seconds / 4)
        self._cached: tuple[float, datetime | None] = (-FRESHNESS_CACHE_SECONDS, None)

    def synced_at(self, connection: Callable[[], Connection] | None = None) -> datetime | None:
        """`connection`: where to read it when the cached value is too old (the caller's,
        so one thread never holds two), asked for only then."""
        read_at, value = self._cached
        if time.monotonic() - read_at < self.cache_seconds:
            return value
        value = self.store.synced_at(connection() if connection is not None else None)
        self._cached = (time.monotonic(), value)
        return value

    def is_stale(self, synced_at: datetime | None) -> bool:
        return synced_at is None or utcnow() - synced_at > self.stale_after
