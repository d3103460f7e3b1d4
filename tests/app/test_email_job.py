"""The email job against a real SMTP server: retries, permanent failures, exactly once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from temporalio.testing import ActivityEnvironment

from app.db import Database
from app.jobs.base import JobDeps
from app.jobs.email import EmailActivities, EmailInput
from app.settings import Settings
from devstack.smtp_sink import SmtpSink


def recipient() -> str:
    return f"to-{uuid.uuid4().hex[:8]}@example.com"


def send(client: FlaskClient, auth: dict[str, str], to: str) -> Any:
    body = {"type": "email", "input": {"to": to, "subject": "Hello", "body": "Body text"}}
    response = client.post("/api/jobs", json=body, headers=auth)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    return client.get(f"/api/jobs/{job_id}?wait=25", headers=auth).get_json()


@pytest.mark.usefixtures("worker")
def test_email_is_delivered_once(
    client: FlaskClient, auth: dict[str, str], smtp_sink: SmtpSink
) -> None:
    to = recipient()
    done = send(client, auth, to)
    assert done["status"] == "succeeded"
    messages = smtp_sink.messages_to(to)
    assert len(messages) == 1
    assert messages[0]["Subject"] == "Hello"
    assert messages[0]["Message-ID"] == done["result"]["message_id"]


@pytest.mark.usefixtures("worker")
def test_temporary_smtp_failure_is_retried_with_backoff(
    client: FlaskClient, auth: dict[str, str], smtp_sink: SmtpSink
) -> None:
    to = recipient()
    smtp_sink.refuse(1)
    done = send(client, auth, to)
    assert done["status"] == "succeeded"
    assert done["result"]["attempts"] == 2
    assert len(smtp_sink.messages_to(to)) == 1


@pytest.mark.usefixtures("worker")
def test_permanent_smtp_failure_fails_the_job_with_the_reason(
    client: FlaskClient, auth: dict[str, str], smtp_sink: SmtpSink
) -> None:
    to = recipient()
    smtp_sink.reject(to)
    done = send(client, auth, to)
    assert done["status"] == "failed"
    assert "send_email" in done["error"]
    assert "550" in done["error"]
    assert smtp_sink.messages_to(to) == []


def test_a_retried_attempt_after_sending_sends_nothing_more(
    settings: Settings, migrated: None, smtp_sink: SmtpSink
) -> None:
    """The worker died after sending but before Temporal heard: the next attempt must not resend."""
    database = Database(settings)
    activities = EmailActivities(JobDeps(settings=settings, database=database))
    to = recipient()
    data = EmailInput(to=to, subject="once", body="only once")
    env = ActivityEnvironment()
    env.info = env.info.__class__(
        **{**env.info.__dict__, "workflow_id": f"job-{uuid.uuid4()}", "activity_id": "1"}
    )

    first = env.run(activities.send_email, data)
    second = env.run(activities.send_email, data)

    database.dispose()
    assert (first.already_sent, second.already_sent) == (False, True)
    assert first.message_id == second.message_id
    assert len(smtp_sink.messages_to(to)) == 1
