"""The Temporal Schedules the worker keeps in place (not the legacy cron field)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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

from app.jobs.base import JobContext, JobType
from app.jobs.healthcheck import JOB as HEALTHCHECK
from app.jobs.reminders import JOB as REMINDERS
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    job: JobType
    every: timedelta

    def schedule_id(self, settings: Settings) -> str:
        return f"{self.job.name}-{settings.temporal_task_queue}"

    def schedule(self, settings: Settings) -> Schedule:
        return Schedule(
            action=ScheduleActionStartWorkflow(
                self.job.name,
                args=[JobContext(), self.job.input_model()],
                id=self.schedule_id(settings),
                task_queue=settings.temporal_task_queue,
                execution_timeout=self.job.execution_timeout,
            ),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=self.every)]),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        )


def scheduled_jobs(settings: Settings) -> list[ScheduledJob]:
    return [
        ScheduledJob(HEALTHCHECK, timedelta(seconds=settings.healthcheck_interval_seconds)),
        ScheduledJob(REMINDERS, timedelta(seconds=settings.reminder_interval_seconds)),
    ]


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """Create each schedule, or bring an existing one up to date."""
    for scheduled in scheduled_jobs(settings):
        schedule_id = scheduled.schedule_id(settings)
        wanted = scheduled.schedule(settings)
        try:
            await client.create_schedule(schedule_id, wanted)
            log.info("created schedule %s every %s", schedule_id, scheduled.every)
        except ScheduleAlreadyRunningError:

            async def replace(_: ScheduleUpdateInput, wanted: Schedule = wanted) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=wanted)

            await client.get_schedule_handle(schedule_id).update(replace)
            log.info("updated schedule %s every %s", schedule_id, scheduled.every)
