"""The Temporal Schedules the worker keeps in place (not the legacy cron field)."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from app.jobs.base import JobContext
from app.jobs.healthcheck import HealthCheckInput, HealthCheckWorkflow
from app.settings import Settings

log = logging.getLogger(__name__)


def health_check_schedule_id(settings: Settings) -> str:
    return f"healthcheck-{settings.temporal_task_queue}"


def health_check_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            HealthCheckWorkflow.run,
            args=[JobContext(), HealthCheckInput()],
            id=f"healthcheck-{settings.temporal_task_queue}",
            task_queue=settings.temporal_task_queue,
            execution_timeout=timedelta(minutes=10),
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(every=timedelta(seconds=settings.healthcheck_interval_seconds))
            ]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """Create the health-check schedule, or bring an existing one up to date."""
    schedule_id = health_check_schedule_id(settings)
    wanted = health_check_schedule(settings)
    try:
        await client.create_schedule(schedule_id, wanted)
        log.info("created schedule %s", schedule_id)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(schedule_id).update(replace)
        log.info("updated schedule %s", schedule_id)
