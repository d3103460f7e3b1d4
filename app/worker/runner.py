"""Runs the Temporal worker: connect with backoff, poll, and drain on shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from app.db import Database
from app.jobs.base import JobDeps
from app.jobs.registry import REGISTRY
from app.jobs.state import JobStateStore
from app.settings import Settings
from app.temporal_client import connect_client
from app.worker.closes import ReportingCloses
from app.worker.job_sync import JobStateInterceptor, JobSync
from app.worker.probes import WorkerState
from app.worker.reconciler import reconcile_forever
from app.worker.schedules import ensure_schedules
from app.worker.versioning import deployment_config, workflow_runner

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 5.0


class TemporalNeverCameUp(Exception):
    """Temporal did not answer within the connect timeout."""


class StopRequested(Exception):
    """Shutdown was requested before the worker connected."""


def metrics_runtime(settings: Settings) -> Runtime | None:
    if settings.worker_metrics_port == 0:
        return None
    prometheus = PrometheusConfig(bind_address=f"0.0.0.0:{settings.worker_metrics_port}")
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))


async def connect_with_backoff(
    settings: Settings, stop: asyncio.Event, runtime: Runtime | None = None
) -> Client:
    address = settings.temporal_address.address
    deadline = time.monotonic() + settings.worker_connect_timeout_seconds
    delay, attempt = 0.25, 0
    while True:
        attempt += 1
        try:
            return await connect_client(settings, runtime)
        except (RuntimeError, RPCError) as error:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TemporalNeverCameUp(
                    f"Temporal at {address} did not answer after {attempt} attempts in "
                    f"{settings.worker_connect_timeout_seconds:.0f}s: {error}"
                ) from None
            log.warning("Temporal at %s not reachable (attempt %d): %s", address, attempt, error)
        try:
            await asyncio.wait_for(stop.wait(), timeout=min(delay, max(remaining, 0.01)))
            raise StopRequested
        except TimeoutError:
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)


def build_worker(
    client: Client, settings: Settings, database: Database, sync: JobSync | None = None
) -> Worker:
    deps = JobDeps(settings=settings, database=database)
    return Worker(
        client,
        interceptors=[JobStateInterceptor(sync)] if sync is not None else [],
        task_queue=settings.temporal_task_queue,
        workflows=REGISTRY.workflows(),
        activities=REGISTRY.activities(deps),
        activity_executor=ThreadPoolExecutor(
            max_workers=settings.worker_max_concurrent_activities, thread_name_prefix="activity"
        ),
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_shutdown_grace_seconds),
        default_heartbeat_throttle_interval=timedelta(seconds=1),
        max_heartbeat_throttle_interval=timedelta(seconds=1),
        deployment_config=deployment_config(settings),
        workflow_runner=(
            workflow_runner(settings)
            if sync is None
            else ReportingCloses(workflow_runner(settings), sync.run_evicted)
        ),
        # A workflow declared `sandboxed=False` runs here: its closes are reported too.
        unsandboxed_workflow_runner=(
            UnsandboxedWorkflowRunner()
            if sync is None
            else ReportingCloses(UnsandboxedWorkflowRunner(), sync.run_evicted)
        ),
    )


async def run_worker(
    settings: Settings,
    stop: asyncio.Event,
    state: WorkerState,
    runtime: Runtime | None = None,
) -> None:
    """Poll until `stop` is set, then stop polling and let activities drain."""
    address = settings.temporal_address
    log.info("worker: Temporal at %s (rule %s)", address.address, address.rule)
    if settings.worker_deployment_name:
        name, build = settings.worker_deployment_name, settings.git_commit
        log.info("worker: Worker Deployment %s, build %s", name, build)
    client = await connect_with_backoff(settings, stop, runtime)
    await ensure_schedules(client, settings)
    database = Database(settings)
    store = JobStateStore(database)
    sync = JobSync(store)
    reconciler = asyncio.create_task(
        reconcile_forever(client, store, settings.job_reconcile_interval_seconds, stop)
    )
    try:
        async with build_worker(client, settings, database, sync):
            state.set("running")
            log.info("worker polling task queue %s", settings.temporal_task_queue)
            await stop.wait()
            state.set("draining", "shutdown requested")
            log.info(
                "worker stopping: draining activities for up to %ss",
                settings.worker_shutdown_grace_seconds,
            )
    finally:
        reconciler.cancel()
        await asyncio.gather(reconciler, return_exceptions=True)
        await sync.close()
        database.dispose()
    state.set("stopped")
    log.info("worker stopped")
