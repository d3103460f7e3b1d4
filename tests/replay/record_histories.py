"""`make histories`: run every job type through its main paths on the real dev server with
the real worker, and save each workflow's history under tests/histories/<job>/<case>.json.

Not collected by `make test` (the name does not start with `test_`): `make histories` names
this file. Each case first checks that the job really took the path it is named after, so a
saved history is never of a run that went wrong. Files go to $HISTORIES_OUT (make writes a
fresh folder and swaps it in only when every case passed).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.settings import Settings
from app.temporal_client import connect_client
from app.worker.history_files import Provenance, write_history
from devstack.accounts import signup
from devstack.smtp_sink import SmtpSink
from devstack.waiting import wait_until
from tests.support.schedules import trigger

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("HISTORIES_OUT", ROOT / "tests" / "histories"))
JobBody = dict[str, Any]

pytestmark = pytest.mark.usefixtures("worker")


def source_commit() -> str:
    """HEAD, marked `-dirty` when app/ has uncommitted changes (they are what ran)."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{head}-dirty" if dirty else head


def save(settings: Settings, job: str, case: str, workflow_id: str) -> None:
    async def fetch() -> None:
        client = await connect_client(settings)
        handle = client.get_workflow_handle(workflow_id)
        description = await handle.describe()
        history = await handle.fetch_history()
        provenance = Provenance(
            workflow_type=description.workflow_type,
            workflow_id=workflow_id,
            run_id=description.run_id,
            source="make histories",
            commit=source_commit(),
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        write_history(OUT / job / f"{case}.json", provenance, history)

    asyncio.run(fetch())


def start(client: FlaskClient, auth: dict[str, str], job_type: str, data: JobBody) -> str:
    response = client.post("/api/jobs", json={"type": job_type, "input": data}, headers=auth)
    assert response.status_code == 202, response.get_json()
    job_id: str = response.get_json()["id"]
    return job_id


def finish(client: FlaskClient, auth: dict[str, str], job_id: str) -> JobBody:
    done: JobBody = client.get(f"/api/jobs/{job_id}?wait=30", headers=auth).get_json()
    return done


def add_tasks(client: FlaskClient, auth: dict[str, str], count: int, due: str | None) -> None:
    for number in range(count):
        body = {"title": f"task {number}", **({"due_at": due} if due else {})}
        assert client.post("/api/tasks", json=body, headers=auth).status_code == 201


def test_echo(client: FlaskClient, auth: dict[str, str], settings: Settings) -> None:
    job_id = start(client, auth, "echo", {"message": "recorded"})
    assert finish(client, auth, job_id)["result"] == {"message": "recorded", "delay_ms": 0}
    save(settings, "echo", "returned", f"job-{job_id}")


def test_export_finished(client: FlaskClient, auth: dict[str, str], settings: Settings) -> None:
    add_tasks(client, auth, 3, None)
    job_id = start(client, auth, "export", {})
    done = finish(client, auth, job_id)
    assert (done["status"], done["result"]["rows"]) == ("succeeded", 3)
    save(settings, "export", "finished", f"job-{job_id}")


def test_export_cancelled_part_way(
    client: FlaskClient, auth: dict[str, str], settings: Settings
) -> None:
    add_tasks(client, auth, 6, None)
    job_id = start(client, auth, "export", {"delay_ms_per_row": 1000})

    def progressed() -> bool:
        progress = client.get(f"/api/jobs/{job_id}", headers=auth).get_json()["progress"]
        return bool(progress and progress["done"] >= 1)

    wait_until(progressed, 30, "export progress")
    assert client.post(f"/api/jobs/{job_id}/cancel", headers=auth).status_code == 202
    assert finish(client, auth, job_id)["status"] == "cancelled"
    save(settings, "export", "cancelled", f"job-{job_id}")


def send_email(client: FlaskClient, auth: dict[str, str], to: str) -> tuple[str, JobBody]:
    job_id = start(client, auth, "email", {"to": to, "subject": "Recorded", "body": "Hello"})
    return job_id, finish(client, auth, job_id)


def test_email_sent(client: FlaskClient, auth: dict[str, str], settings: Settings) -> None:
    job_id, done = send_email(client, auth, "sent@example.com")
    assert (done["status"], done["result"]["attempts"]) == ("succeeded", 1)
    save(settings, "email", "sent", f"job-{job_id}")


def test_email_retried_then_sent(
    client: FlaskClient, auth: dict[str, str], settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.refuse(1)
    job_id, done = send_email(client, auth, "retried@example.com")
    assert (done["status"], done["result"]["attempts"]) == ("succeeded", 2)
    save(settings, "email", "retried_then_sent", f"job-{job_id}")


def test_email_permanent_failure(
    client: FlaskClient, auth: dict[str, str], settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.reject("rejected@example.com")
    job_id, done = send_email(client, auth, "rejected@example.com")
    assert done["status"] == "failed" and "550" in done["error"]
    save(settings, "email", "permanent_failure", f"job-{job_id}")


def wait_closed(settings: Settings, workflow_id: str) -> Any:
    async def result() -> Any:
        client = await connect_client(settings)
        return await client.get_workflow_handle(workflow_id).result()

    return asyncio.run(result())


def test_healthcheck_scheduled(settings: Settings, live_server: str) -> None:
    workflow_id = trigger(settings, f"healthcheck-{settings.temporal_task_queue}")
    result = wait_closed(settings, workflow_id)
    assert result["web_ok"] and result["database_ok"]
    save(settings, "healthcheck", "scheduled", workflow_id)


def test_reminders_scheduled(client: FlaskClient, settings: Settings) -> None:
    for _ in range(2):
        add_tasks(client, signup(client), 2, "2020-01-01T00:00:00Z")
    workflow_id = trigger(settings, f"reminders-{settings.temporal_task_queue}")
    result = wait_closed(settings, workflow_id)
    assert result["accounts"] >= 2
    save(settings, "reminders", "scheduled", workflow_id)
