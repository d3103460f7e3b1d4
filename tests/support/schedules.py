"""Run a Temporal Schedule now and find the workflow it started."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.client import ScheduleOverlapPolicy

from app.settings import Settings
from app.temporal_client import connect_client
from devstack.waiting import wait_until


async def _recent_workflow_ids(settings: Settings, schedule_id: str) -> list[str]:
    client = await connect_client(settings)
    actions = (await client.get_schedule_handle(schedule_id).describe()).info.recent_actions
    return [action.action.workflow_id for action in actions]  # type: ignore[attr-defined]


def trigger(settings: Settings, schedule_id: str, timeout: float = 20) -> str:
    """Trigger the schedule and return the id of the workflow run it started."""

    async def run_now() -> None:
        client = await connect_client(settings)
        # The schedule's own SKIP policy would drop this run if its interval fired a moment
        # before (reminders fire on the quarter hour), and no new action would ever appear.
        await client.get_schedule_handle(schedule_id).trigger(
            overlap=ScheduleOverlapPolicy.BUFFER_ALL
        )

    before = len(asyncio.run(_recent_workflow_ids(settings, schedule_id)))
    asyncio.run(run_now())
    started = wait_until(
        lambda: asyncio.run(_recent_workflow_ids(settings, schedule_id))[before:],
        timeout,
        f"{schedule_id} to start",
    )
    return started[-1]


def trigger_and_wait(settings: Settings, schedule_id: str) -> Any:
    """Run the schedule now and return the result of the workflow it started."""
    workflow_id = trigger(settings, schedule_id)

    async def result() -> Any:
        client = await connect_client(settings)
        return await client.get_workflow_handle(workflow_id).result()

    return asyncio.run(result())
