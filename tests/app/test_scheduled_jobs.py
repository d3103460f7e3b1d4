"""The health check and the reminders, run by Temporal Schedules."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from temporalio.client import ScheduleIntervalSpec

from app.settings import Settings
from app.temporal_client import connect_client
from app.worker.schedules import scheduled_jobs
from devstack.accounts import new_email, signup
from devstack.smtp_sink import SmtpSink
from devstack.waiting import wait_until
from tests.support.schedules import trigger_and_wait

pytestmark = pytest.mark.usefixtures("worker")


def test_schedules_use_intervals_from_settings(settings: Settings) -> None:
    async def specs() -> dict[str, timedelta]:
        client = await connect_client(settings)
        found = {}
        for scheduled in scheduled_jobs(settings):
            description = await client.get_schedule_handle(
                scheduled.schedule_id(settings)
            ).describe()
            interval = description.schedule.spec.intervals[0]
            assert isinstance(interval, ScheduleIntervalSpec)
            found[scheduled.job.name] = interval.every
        return found

    assert asyncio.run(specs()) == {
        "healthcheck": timedelta(seconds=settings.healthcheck_interval_seconds),
        "reminders": timedelta(seconds=settings.reminder_interval_seconds),
    }


def test_health_check_records_web_and_database_status(
    settings: Settings, live_server: str, client: FlaskClient
) -> None:
    result = trigger_and_wait(settings, f"healthcheck-{settings.temporal_task_queue}")

    assert result["web_ok"] is True
    assert result["database_ok"] is True
    recorded = client.get("/api/health-checks?limit=5").get_json()["items"]
    assert recorded[0]["id"] == result["record_id"]
    assert recorded[0]["web_latency_ms"] > 0


def test_reminders_mail_each_account_its_due_tasks_once(
    settings: Settings, client: FlaskClient, smtp_sink: SmtpSink
) -> None:
    emails = [new_email(), new_email()]
    for address in emails:
        auth = signup(client, address)
        for title in ("overdue one", "overdue two"):
            client.post(
                "/api/tasks", json={"title": title, "due_at": "2020-01-01T00:00:00Z"}, headers=auth
            )
        client.post(
            "/api/tasks", json={"title": "later", "due_at": "2999-01-01T00:00:00Z"}, headers=auth
        )

    schedule_id = f"reminders-{settings.temporal_task_queue}"
    trigger_and_wait(settings, schedule_id)

    for address in emails:
        messages = wait_until(lambda a=address: smtp_sink.messages_to(a), 10, "reminder email")
        assert len(messages) == 1
        body = messages[0].get_payload()
        assert "overdue one" in body and "overdue two" in body and "later" not in body

    trigger_and_wait(settings, schedule_id)
    assert [len(smtp_sink.messages_to(address)) for address in emails] == [1, 1]
