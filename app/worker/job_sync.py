"""Keeps each job's `jobs` row current from the worker, without touching workflow code.

An activity interceptor records the start (running) and every heartbeat's progress;
the first activity of a job also starts a watcher that waits on the workflow's result
(the SDK's long poll) and settles the outcome once Temporal has closed the workflow.
A workflow that returns is recorded earlier, as its completing workflow task leaves the
worker (`app/worker/returns.py`), a few ms before Temporal records the close. Temporal
stays the source of truth: the watcher then confirms that outcome, and a close that differs
(terminated or timed out in that window, say) corrects the row. Workflow command sequences
are unchanged, so recorded histories still replay. Writes go to a small thread pool so
activities never wait on the database; whatever is missed (the worker died, the database
was down) the reconciler repairs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from temporalio import activity
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from app.db import utcnow
from app.jobs.base import Progress
from app.jobs.state import JobStateStore, Outcome, job_id_of
from app.jobs.status import JobStatus
from app.jobs.temporal_state import from_failure, succeeded
from app.temporal_client import DATA_CONVERTER

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
WRITER_THREADS = 4
# The web app commits a job's row just after Temporal accepted the workflow. On PostgreSQL a
# write waits for that commit on the insert's lock (app/jobs/state.py `creating`); a row still
# not there (SQLite, or the insert rolled back) is retried for about 12 s, backing off to at
# most 0.5 s.
ROW_VISIBLE_DELAYS = (0.05, 0.1, 0.2, 0.4, *[0.5] * 23)


class JobSync:
    def __init__(self, client: Client, store: JobStateStore) -> None:
        self.client = client
        self.store = store
        self._loop = asyncio.get_running_loop()
        self._started_at: dict[str, datetime] = {}
        self._returned: set[str] = set()  # jobs whose success was recorded as they returned
        self._writer = ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="job-state")
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._progress_written: dict[str, float] = {}

    def activity_started(self, workflow_id: str) -> None:
        """Called on the worker's event loop as an activity of the job starts."""
        job_id = job_id_of(workflow_id)
        if job_id is None:
            return
        self._started_at.setdefault(job_id, utcnow())
        self._spawn(self._when_visible(self.store.mark_running, job_id, utcnow()))
        if job_id not in self._watchers:
            self._watchers[job_id] = asyncio.create_task(self._watch(job_id, workflow_id))

    def workflow_returned(self, workflow_id: str, result: Payload) -> None:
        """Called on a workflow thread as a job's workflow returns (`app/worker/returns.py`).

        The row's write goes straight to a writer thread, not through the event loop, which
        is the worker's busiest thread: under load a hop through it delayed the answer."""
        job_id = job_id_of(workflow_id)
        if job_id is None:
            return
        # Decoded as the result wait decodes it: no type hint, so plain JSON values.
        outcome = succeeded(DATA_CONVERTER.payload_converter.from_payloads([result])[0])
        started_at = self._started_at.get(job_id, outcome.finished_at)
        # Queued before the completion leaves the worker, so ahead of the close's result.
        self._loop.call_soon_threadsafe(self._note_returned, job_id)
        self._writer.submit(self._write_returned, job_id, outcome, started_at)

    def _note_returned(self, job_id: str) -> None:
        if job_id in self._watchers:  # its watch, once Temporal closes the run, needs no write
            self._returned.add(job_id)

    def _write_returned(self, job_id: str, outcome: Outcome, started_at: datetime | None) -> None:
        try:
            if self._write_or_exists(self.store.record_outcome, job_id, outcome, started_at):
                return
        except SQLAlchemyError as error:
            log.warning("job %s: state not written (%s); left to the reconciler", job_id, error)
            return
        # The row is not there yet (SQLite, or its insert not committed): retry on the loop.
        retry = self.store.record_outcome, job_id, outcome, started_at
        self._loop.call_soon_threadsafe(lambda: self._spawn(self._when_visible(*retry)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def progress(self, workflow_id: str, progress: Progress) -> None:
        job_id = job_id_of(workflow_id)
        if job_id is None:
            return
        now = time.monotonic()
        last = self._progress_written.get(job_id, 0.0)
        if now - last < PROGRESS_EVERY_SECONDS and progress.done < progress.total:
            return
        self._progress_written[job_id] = now
        self._submit(self.store.record_progress, job_id, progress)

    async def _watch(self, job_id: str, workflow_id: str) -> None:
        started_at = self._started_at.get(job_id, utcnow())
        try:
            outcome = await self._outcome(workflow_id)
            # None: Temporal unreachable, the reconciler's turn. A success whose return was
            # recorded needs no write: Temporal's close confirms it.
            confirmed = outcome is None or (
                outcome.status is JobStatus.SUCCEEDED and job_id in self._returned
            )
            if outcome is not None and not confirmed:
                await self._when_visible(self.store.settle_outcome, job_id, outcome, started_at)
        finally:
            self._watchers.pop(job_id, None)
            self._progress_written.pop(job_id, None)
            self._started_at.pop(job_id, None)
            self._returned.discard(job_id)

    async def _outcome(self, workflow_id: str) -> Outcome | None:
        handle = self.client.get_workflow_handle(workflow_id)
        try:
            return succeeded(await handle.result(follow_runs=True))
        except WorkflowFailureError as failure:
            return from_failure(failure)
        except RPCError as error:  # Temporal unreachable: the reconciler confirms it later
            log.warning("job %s: result wait failed (%s); reconciler's turn", workflow_id, error)
            return None

    async def _when_visible(self, write: Any, job_id: str, *args: Any) -> None:
        """Write once the row is visible; the backoff waits on the loop, not a writer thread,
        so other jobs' writes go ahead meanwhile."""
        loop = asyncio.get_running_loop()
        for delay in ROW_VISIBLE_DELAYS:
            try:
                done = await loop.run_in_executor(
                    self._writer, self._write_or_exists, write, job_id, *args
                )
            except SQLAlchemyError as error:
                log.warning("job %s: state not written (%s); left to the reconciler", job_id, error)
                return
            if done:
                return
            await asyncio.sleep(delay)  # backoff while the web app's insert commits

    def _write_or_exists(self, write: Any, job_id: str, *args: Any) -> bool:
        return bool(write(job_id, *args)) or self.store.exists(job_id)

    def _submit(self, write: Any, *args: Any) -> None:
        def run() -> None:
            try:
                write(*args)
            except SQLAlchemyError as error:
                log.warning("job state write failed: %s", error)

        self._writer.submit(run)

    async def close(self) -> None:
        tasks = [*self._watchers.values(), *self._pending]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
