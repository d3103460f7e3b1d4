"""`export`: writes the caller's tasks to a CSV, reporting progress as it goes.

It heartbeats `Progress(done, total)` after every row, can be cancelled part-way,
and removes its partial file when it is. A cancelled export ends cancelled even when its
activity never confirms (the worker died or stalled and the heartbeat timed out): the
caller asked for a stop, and "failed" would say the export broke. The finished CSV is
stored in the app database, so any web pod can serve the download.

With the app database down it fails (after its three quick attempts) with "the app
database is unavailable": the caller sees why and starts it again later, rather than
a long export waiting an unknown time to save its result.
"""

from __future__ import annotations

import asyncio
import csv
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from temporalio import activity, workflow
from temporalio.common import RetryPolicy, VersioningBehavior
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError
from temporalio.exceptions import TimeoutError as ActivityTimeoutError

from app.jobs.base import (
    JobActivities,
    JobContext,
    JobInput,
    JobType,
    OnDatabaseDown,
    Progress,
)

with workflow.unsafe.imports_passed_through():
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    from app.db import as_utc
    from app.models import JobArtifact, Task

log = logging.getLogger(__name__)
COLUMNS = ("id", "title", "notes", "due_at", "completed_at", "created_at")


class ExportInput(JobInput):
    delay_ms_per_row: int = Field(
        default=0, ge=0, le=10_000, description="pause after each row, to watch progress"
    )


class ExportResult(BaseModel):
    rows: int
    filename: str
    bytes: int


class ExportActivities(JobActivities):
    @property
    def folder(self) -> Path:
        return self.settings.data_dir / "exports"

    @activity.defn(name="export_tasks_csv")
    def export_tasks_csv(self, job: JobContext, data: ExportInput) -> ExportResult:
        if job.owner_id is None:
            raise ApplicationError("an export needs an owner", non_retryable=True)
        workflow_id = activity.info().workflow_id
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{workflow_id}.csv.part"
        try:
            rows = self._write_rows(job.owner_id, partial, data.delay_ms_per_row / 1000)
            content = partial.read_bytes()
            filename = f"tasks-{workflow_id}.csv"
            with self.database.session() as session:
                session.merge(
                    JobArtifact(
                        workflow_id=workflow_id,
                        filename=filename,
                        content_type="text/csv",
                        content=content,
                    )
                )
            return ExportResult(rows=rows, filename=filename, bytes=len(content))
        except (OperationalError, PoolTimeoutError) as error:
            cause = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise ApplicationError(
                f"the app database is unavailable ({cause}); start the export again once "
                "it is back",
                type="DatabaseUnavailable",
            ) from None
        finally:
            partial.unlink(missing_ok=True)

    def _write_rows(self, owner_id: int, path: Path, pause: float) -> int:
        query = select(Task).where(Task.owner_id == owner_id).order_by(Task.id)
        with self.database.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            tasks = session.scalars(query).all()
        activity.heartbeat(Progress(done=0, total=total))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for done, task in enumerate(tasks, start=1):
                writer.writerow(
                    [
                        task.id,
                        task.title,
                        task.notes,
                        _iso(task.due_at),
                        _iso(task.completed_at),
                        _iso(task.created_at),
                    ]
                )
                handle.flush()
                activity.heartbeat(Progress(done=done, total=total))
                activity.wait_for_cancelled_sync(timeout=pause)
                if activity.is_cancelled():
                    log.info("export %s cancelled after %d of %d rows", path.name, done, total)
                    raise CancelledError("export cancelled")
        return total


def _iso(value: Any) -> str:
    moment = as_utc(value)
    return moment.isoformat() if moment is not None else ""


# Up to an hour and cancellable part-way: finish on the build that started it.
@workflow.defn(name="export", versioning_behavior=VersioningBehavior.PINNED)
class ExportWorkflow:
    @workflow.run
    async def run(self, job: JobContext, data: ExportInput) -> ExportResult:
        try:
            return await workflow.execute_activity_method(
                ExportActivities.export_tasks_csv,
                args=[job, data],
                start_to_close_timeout=timedelta(hours=1),
                heartbeat_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=3),
                cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except ActivityError as error:
            # Temporal does not retry a cancel-requested activity that times out; the SDK
            # cancels the workflow when it raises a CancelledError after a cancel request.
            if (
                _cancel_requested()
                and isinstance(error.cause, ActivityTimeoutError)
                and workflow.patched(CANCEL_WINS_OVER_TIMEOUT)
            ):
                raise CancelledError("cancelled; the export timed out confirming it") from error
            raise


CANCEL_WINS_OVER_TIMEOUT = "export-cancel-wins-over-timeout"


def _cancel_requested() -> bool:
    """Whether Temporal asked this workflow to cancel: the SDK cancels its asyncio task."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


JOB = JobType(
    ExportWorkflow,
    description="Exports your tasks to a CSV file, with progress; cancellable.",
    activities=lambda deps: [ExportActivities(deps).export_tasks_csv],
    on_database_down=OnDatabaseDown.FAIL,
    produces_artifact=True,
)
