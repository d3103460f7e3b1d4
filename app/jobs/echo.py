"""`echo`: returns its input. Smoke tests and benchmarks use it to prove the whole
chain web app -> temporal-server -> python-worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pydantic import Field
from temporalio import activity, workflow
from temporalio.common import VersioningBehavior

from app.jobs.base import JobContext, JobInput, JobType, OnDatabaseDown

HEARTBEAT_EVERY_SECONDS = 1.0


class EchoInput(JobInput):
    message: str = Field(max_length=10_000, description="returned unchanged")
    delay_ms: int = Field(
        default=0, ge=0, le=600_000, description="how long the activity waits before answering"
    )


@activity.defn(name="echo")
async def echo_activity(data: EchoInput) -> EchoInput:
    remaining = data.delay_ms / 1000
    while remaining > 0:
        activity.heartbeat()
        step = min(remaining, HEARTBEAT_EVERY_SECONDS)
        await asyncio.sleep(step)  # the job's own work: waiting is what it was asked to do
        remaining -= step
    return data


# One short activity: nothing to keep on an old build; move to the current one.
@workflow.defn(name="echo", versioning_behavior=VersioningBehavior.AUTO_UPGRADE)
class EchoWorkflow:
    @workflow.run
    async def run(self, job: JobContext, data: EchoInput) -> EchoInput:
        return await workflow.execute_activity(
            echo_activity,
            data,
            start_to_close_timeout=timedelta(seconds=data.delay_ms / 1000 + 30),
            heartbeat_timeout=timedelta(seconds=10),
        )


JOB = JobType(
    EchoWorkflow,
    description="Returns its input, after an optional delay.",
    activities=lambda _deps: [echo_activity],
    on_database_down=OnDatabaseDown.NOT_USED,
)
