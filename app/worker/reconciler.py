"""Repairs `jobs` rows that drifted from Temporal, the source of truth.

Every `JOB_RECONCILE_INTERVAL_SECONDS` it reads the unfinished rows, asks Temporal's
visibility about their workflows in batches (one list call per batch, not one call per
job) and records the close of every workflow that has closed while its row says otherwise:
a terminate or a timeout, which never reach the worker, or a close the worker missed (it
died between Temporal's accepting the close and its database write). Such a row is repaired
within one interval plus the pass of a running worker. A workflow that visibility does
not know is described one by one, once its row is old enough for visibility to have it,
and marked failed only if the row was started on this Temporal (its cluster id and
namespace): a row from another Temporal, or of unknown origin, is never called gone.
Each clean pass records when the rows were last confirmed; reads say "may be stale"
once that is older than `JOB_STATE_STALE_AFTER_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError

from app.db import utcnow
from app.jobs.state import JobStateStore, Unfinished, workflow_id
from app.jobs.status import JobStatus
from app.jobs.temporal_state import (
    CLOSED,
    an_activity_started,
    closed_outcome,
    described_outcome,
    temporal_origin,
)

log = logging.getLogger(__name__)
BATCH = 50
ROWS_PER_PASS = 1000
VISIBILITY_GRACE = timedelta(seconds=30)
# A queued row whose workflow runs is checked (one describe) once it is this old, so a
# missed "running" write is repaired without describing every job that waits for a slot.
QUEUED_CHECK_AFTER = timedelta(seconds=10)
DESCRIBES_PER_BATCH = 10


async def reconcile_once(client: Client, store: JobStateStore) -> int:
    """One pass; returns how many rows it repaired."""
    checked_at = utcnow()
    loop = asyncio.get_running_loop()
    origin = await temporal_origin(client)
    rows = await loop.run_in_executor(None, store.unfinished, ROWS_PER_PASS, origin)
    repaired = 0
    for start in range(0, len(rows), BATCH):
        repaired += await _reconcile_batch(client, store, rows[start : start + BATCH], origin)
    await loop.run_in_executor(None, store.confirm_synced, checked_at)
    return repaired


async def _reconcile_batch(
    client: Client, store: JobStateStore, rows: list[Unfinished], origin: str
) -> int:
    loop = asyncio.get_running_loop()
    by_workflow = {workflow_id(row.id): row for row in rows}
    quoted = ", ".join(f"'{name}'" for name in by_workflow)  # ids are validated UUIDs
    seen: set[str] = set()
    closed: list[tuple[Unfinished, WorkflowExecution]] = []
    repaired = described = 0
    async for execution in client.list_workflows(f"WorkflowId IN ({quoted})"):
        row = by_workflow.get(execution.id)
        if row is None or execution.id in seen:
            continue
        seen.add(execution.id)
        if execution.status in CLOSED:
            closed.append((row, execution))
        elif (
            execution.status is WorkflowExecutionStatus.RUNNING
            and row.status is JobStatus.QUEUED
            and row.created_at < utcnow() - QUEUED_CHECK_AFTER
            and described < DESCRIBES_PER_BATCH
        ):
            # "running" means an activity started (what the worker records), not merely that
            # the workflow runs: a job waiting for an activity slot stays queued.
            described += 1
            if await an_activity_started(client, execution.id):
                written = await loop.run_in_executor(
                    None, store.mark_running, row.id, execution.start_time or utcnow()
                )
                repaired += int(written)
    # A close the worker saw accepted is usually written by now: ask the rows again, so only
    # the ones still unfinished cost a read of their close.
    still = await loop.run_in_executor(None, store.unfinished_of, [row.id for row, _ in closed])
    for row, execution in closed:
        if row.id in still:
            outcome = await closed_outcome(client, execution.id, execution.close_time)
            written = await loop.run_in_executor(
                None, store.record_outcome, row.id, outcome, execution.start_time
            )
            repaired += int(written)
    old_enough = utcnow() - VISIBILITY_GRACE
    for name, row in by_workflow.items():
        if name in seen or row.origin != origin or row.created_at > old_enough:
            continue
        gone = await described_outcome(client, name)
        if gone is not None:
            written = await loop.run_in_executor(None, store.record_outcome, row.id, gone, None)
            repaired += int(written)
    return repaired


async def reconcile_forever(
    client: Client, store: JobStateStore, interval: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            repaired = await reconcile_once(client, store)
            if repaired:
                log.info("reconciler repaired %d job rows from Temporal", repaired)
        except (RPCError, RuntimeError, SQLAlchemyError) as error:
            log.warning("reconciler pass failed (%s); next in %.0fs", error, interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
