"""SIGKILL the worker with jobs in flight, start it again: every job completes and every
side effect (email sent, export artifact stored, rows recorded) happens exactly once."""

from __future__ import annotations

import csv
import io
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import Database
from app.models import EmailDelivery, Job, JobArtifact
from devstack.api import TERMINAL, ApiClient
from devstack.smtp_sink import SmtpSink
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.conftest import settings_from_env
from tests.faults.ledger import Ledger, assert_clean, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

ECHOES, EXPORTS, EMAILS, TASKS = 40, 10, 20, 20


@pytest.fixture
def stack(base_env: dict[str, str], migrated: None, tmp_path: Path) -> Iterator[Stack]:
    stack = Stack.start(process_env(base_env), tmp_path)
    yield stack
    stack.stop()


def test_worker_killed_mid_run_loses_and_duplicates_nothing(
    stack: Stack, temporal_server: TemporalDevServer, smtp_sink: SmtpSink, base_env: dict[str, str]
) -> None:
    api = ApiClient.sign_up(stack.url)
    ledger = Ledger(api, temporal_server.address, stack.env["TEMPORAL_TASK_QUEUE"])
    api.add_tasks(f"task {n}" for n in range(TASKS))
    ledger.submit(
        [("echo", {"message": f"echo {n}", "delay_ms": 12_000 + 50 * n}) for n in range(ECHOES)]
        + [("export", {"delay_ms_per_row": 600}) for _ in range(EXPORTS)]
    )
    exports = ledger.of_type("export")

    def exports_writing() -> bool:
        current = ledger.current()
        return sum((current[j]["progress"] or {}).get("done", 0) >= 1 for j in exports) >= 5

    wait_until(exports_writing, 60, "exports to be writing rows")
    # The activity slots are full now, so these emails wait in Temporal's queue.
    recipients = [f"kill-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(EMAILS)]
    ledger.submit(("email", {"to": to, "subject": "kill test", "body": to}) for to in recipients)
    current = ledger.current()
    in_flight = ledger.unfinished(current)
    by_type = Counter(current[j]["type"] for j in in_flight)
    assert len(in_flight) >= 50, by_type
    assert by_type["export"] == EXPORTS and by_type["email"] >= 1, by_type

    stack.worker.signal(signal.SIGKILL)
    assert stack.worker.wait(timeout=30) == -signal.SIGKILL
    stack.worker.start()
    restarted = now()
    stack.worker.wait_ready()

    final = ledger.wait_all_finished(timeout=180)
    recovered = now()

    database = Database(settings_from_env(stack.env))
    try:
        email_rows, artifacts, job_rows = side_effects(database, ledger, api.account_id)
    finally:
        database.dispose()
    mail = {to: smtp_sink.messages_to(to) for to in recipients}
    extra_mail = sum(max(len(messages) - 1, 0) for messages in mail.values())
    extra_artifacts = sum(max(count - 1, 0) for count in artifacts.values())
    extra_rows = sum(max(count - 1, 0) for count in job_rows.values())
    resent = [to for to, messages in mail.items() if len(messages) > 1]
    retried_email_attempts = sum(row.attempts - 1 for row in email_rows)
    result = record(
        ledger.result(
            "worker SIGKILL + restart",
            final,
            recovered,
            restarted,
            side_effect_duplicates=extra_mail + extra_artifacts + extra_rows,
            detail=(
                f"{len(in_flight)} in flight at the kill ({dict(by_type)}); "
                f"{sum(len(m) for m in mail.values())} messages for {EMAILS} emails "
                f"({len(resent)} resent: the documented SMTP-accepted-before-commit window); "
                f"{len(artifacts)} artifacts for {EXPORTS} exports; "
                f"{retried_email_attempts} email send attempts beyond the first"
            ),
        )
    )

    assert_clean(result)
    for job_id in ledger.of_type("echo"):
        assert final[job_id]["result"]["message"] == ledger.submitted[job_id]["input"]["message"]
    for to, job_id in zip(recipients, ledger.of_type("email"), strict=True):
        assert len(mail[to]) == 1, f"{to} got {len(mail[to])} messages"
        assert mail[to][0]["Message-ID"] == final[job_id]["result"]["message_id"]
    assert {row.status for row in email_rows} == {"sent"} and len(email_rows) == EMAILS
    assert set(artifacts) == {f"job-{j}" for j in exports}
    for job_id in exports:
        rows = export_rows(api, job_id)
        assert sorted(rows) == sorted(f"task {n}" for n in range(TASKS)), job_id
    assert set(job_rows) == set(ledger.submitted)
    leftovers = list((Path(stack.env["DATA_DIR"]) / "exports").glob("job-*.part"))
    assert [p for p in leftovers if p.name.split(".")[0].removeprefix("job-") in exports] == []
    assert all(final[j]["status"] in TERMINAL for j in ledger.submitted)


def side_effects(
    database: Database, ledger: Ledger, owner_id: int
) -> tuple[list[EmailDelivery], Counter[str], Counter[str]]:
    emails = [f"job-{j}/1" for j in ledger.of_type("email")]
    exports = [f"job-{j}" for j in ledger.of_type("export")]
    with database.session() as session:
        email_rows = list(
            session.scalars(select(EmailDelivery).where(EmailDelivery.key.in_(emails)))
        )
        artifacts = Counter(
            {
                workflow_id: count
                for workflow_id, count in session.execute(
                    select(JobArtifact.workflow_id, func.count())
                    .where(JobArtifact.workflow_id.in_(exports))
                    .group_by(JobArtifact.workflow_id)
                )
            }
        )
        job_rows = Counter(
            {
                job_id: count
                for job_id, count in session.execute(
                    select(Job.id, func.count()).where(Job.owner_id == owner_id).group_by(Job.id)
                )
            }
        )
    return email_rows, artifacts, job_rows


def export_rows(api: ApiClient, job_id: str) -> list[str]:
    response = api.http.get(f"/api/jobs/{job_id}/artifact")
    assert response.status_code == 200, response.text
    return [row["title"] for row in csv.DictReader(io.StringIO(response.text))]
