"""Keeps each job's `jobs` row current from the worker, without touching workflow code.

An activity interceptor records the start (running) `WRITE_EVERY_SECONDS` after it, the
cadence of the heartbeats' progress writes: a job that ends sooner goes from queued to its
outcome in one write (its `started_at` still the activity's start), so a short job costs
one write, not two. The workflow runner reports each run's close once Temporal has accepted it
(`app/worker/closes.py`), and that close becomes the row's outcome: every outcome written
here is one Temporal recorded, so a finished row never changes again, and no call to
Temporal waits on a job's result. Closes the worker never sees accepted (a terminate, a
timeout, a worker that died before its write) and writes missed while the database was down
are the reconciler's (`app/worker/reconciler.py`). Workflow command sequences are unchanged,
so recorded histories still replay. Writes go to a small thread pool, so neither activities
nor workflow threads wait on the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from temporalio import activity
from temporalio.bridge.proto.workflow_commands import WorkflowCommand
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from app.db import utcnow
from app.jobs.base import Progress
from app.jobs.state import JobStateStore, job_id_of
from app.jobs.temporal_state import ended_outcome
from app.temporal_client import DATA_CONVERTER

log = logging.getLogger(__name__)
WRITE_EVERY_SECONDS = 0.5  # a row's running or progress write, at most this often
WRITER_THREADS = 4
# The web app commits a job's row just after Temporal accepted the workflow. On PostgreSQL a
# write waits for that commit on the insert's lock (app/jobs/state.py `creating`); a row still
# not there (SQLite, or the insert rolled back) is retried for about 12 s, backing off to at
# most 0.5 s.
ROW_VISIBLE_DELAYS = (0.05, 0.1, 0.2, 0.4, *[0.5] * 23)


class JobSync:
    def __init__(self, store: JobStateStore) -> None:
        self.store = store
        self._loop = asyncio.get_running_loop()
        self._started_at: dict[str, datetime] = {}  # job id -> its first activity's start
        self._running_due: dict[str, datetime] = {}  # that start, until written or ended
        self._progress_written: dict[str, float] = {}
        self._writer = ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="job-state")
        self._retries: set[asyncio.Task[None]] = set()

    def activity_started(self, workflow_id: str) -> None:
        """Called as an activity of the job starts; only its first activity's start writes,
        `WRITE_EVERY_SECONDS` later unless the job has ended by then."""
        job_id = job_id_of(workflow_id)
        if job_id is None or job_id in self._started_at:
            return
        self._started_at[job_id] = self._running_due[job_id] = utcnow()
        self._loop.call_soon_threadsafe(
            self._loop.call_later, WRITE_EVERY_SECONDS, self._write_running, job_id
        )

    def _write_running(self, job_id: str) -> None:
        at = self._running_due.pop(job_id, None)  # None: its outcome took the start instead
        if at is not None:
            self._write(self.store.mark_running, job_id, at)

    def run_evicted(self, workflow_id: str, ending: WorkflowCommand | None) -> None:
        """Called on a workflow thread as a run leaves the worker's cache, with the command
        that ended it if Temporal accepted that end (`app/worker/closes.py`)."""
        job_id = job_id_of(workflow_id)
        if job_id is None:
            return
        started_at = self._started_at.pop(job_id, None)
        self._progress_written.pop(job_id, None)
        if ending is None:
            return
        self._running_due.pop(job_id, None)
        outcome = ended_outcome(ending, DATA_CONVERTER)
        self._write(self.store.record_outcome, job_id, outcome, started_at)

    def progress(self, workflow_id: str, progress: Progress) -> None:
        job_id = job_id_of(workflow_id)
        if job_id is None:
            return
        now = time.monotonic()
        last = self._progress_written.get(job_id, 0.0)
        if now - last < WRITE_EVERY_SECONDS and progress.done < progress.total:
            return
        self._progress_written[job_id] = now
        self._write(self.store.record_progress, job_id, progress)

    def _write(self, write: Any, job_id: str, *args: Any) -> None:
        """Run `write(job_id, *args)` on a writer thread; from any thread."""
        self._writer.submit(self._write_once, write, job_id, args)

    def _write_once(self, write: Any, job_id: str, args: tuple[Any, ...]) -> None:
        if self._written(write, job_id, args):
            return
        # The row is not there yet (SQLite, or its insert not committed): retry on the loop,
        # whose backoff holds no writer thread, so other jobs' writes go ahead meanwhile.
        self._loop.call_soon_threadsafe(self._retry_later, write, job_id, args)

    def _retry_later(self, write: Any, job_id: str, args: tuple[Any, ...]) -> None:
        task = asyncio.create_task(self._retry(write, job_id, args))
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _retry(self, write: Any, job_id: str, args: tuple[Any, ...]) -> None:
        loop = asyncio.get_running_loop()
        for delay in ROW_VISIBLE_DELAYS:
            await asyncio.sleep(delay)  # backoff while the web app's insert commits
            if await loop.run_in_executor(self._writer, self._written, write, job_id, args):
                return

    def _written(self, write: Any, job_id: str, args: tuple[Any, ...]) -> bool:
        """Whether the write is done with: it changed the row, or the row is there (and did
        not need it), or it failed and is left to the reconciler."""
        try:
            return bool(write(job_id, *args)) or self.store.exists(job_id)
        except SQLAlchemyError as error:
            log.warning("job %s: state not written (%s); left to the reconciler", job_id, error)
            return True

    async def close(self) -> None:
        for task in self._retries:
            task.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)
        self._writer.shutdown(wait=True)


class JobStateInterceptor(Interceptor):
    def __init__(self, sync: JobSync) -> None:
        self.sync = sync

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next, self.sync)


class _Inbound(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, sync: JobSync) -> None:
        super().__init__(next)
        self.sync = sync

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        super().init(_Outbound(outbound, self.sync))

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        self.sync.activity_started(activity.info().workflow_id or "")
        return await super().execute_activity(input)


class _Outbound(ActivityOutboundInterceptor):
    def __init__(self, next: ActivityOutboundInterceptor, sync: JobSync) -> None:
        super().__init__(next)
        self.sync = sync

    def heartbeat(self, *details: Any) -> None:
        super().heartbeat(*details)
        if details and isinstance(details[0], Progress):
            self.sync.progress(self.info().workflow_id or "", details[0])
