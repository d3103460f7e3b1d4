"""The export job: the caller's tasks as CSV, progress, cancellation with clean-up."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.worker import Worker

from app.jobs.base import JobContext, Progress
from app.jobs.export import ExportInput, ExportResult, ExportWorkflow
from app.settings import Settings
from app.temporal_client import DATA_CONVERTER
from app.worker.versioning import workflow_runner
from devstack.accounts import signup
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until

pytestmark = pytest.mark.usefixtures("worker")


def add_tasks(client: FlaskClient, auth: dict[str, str], titles: list[str]) -> None:
    for title in titles:
        assert client.post("/api/tasks", json={"title": title}, headers=auth).status_code == 201


def start_export(client: FlaskClient, auth: dict[str, str], delay_ms: int = 0) -> dict[str, Any]:
    response = client.post(
        "/api/jobs", json={"type": "export", "input": {"delay_ms_per_row": delay_ms}}, headers=auth
    )
    assert response.status_code == 202, response.get_json()
    job: dict[str, Any] = response.get_json()
    return job


def test_export_writes_only_the_callers_tasks(client: FlaskClient, auth: dict[str, str]) -> None:
    add_tasks(client, auth, ["alpha", 'quote "and" comma, here', "gamma"])
    other = signup(client)
    add_tasks(client, other, ["someone else's"])

    job = start_export(client, auth)
    done = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()

    assert done["status"] == "succeeded"
    assert done["result"]["rows"] == 3
    download = client.get(done["artifact_url"], headers=auth)
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [row["title"] for row in rows] == ["alpha", 'quote "and" comma, here', "gamma"]
    assert client.get(done["artifact_url"], headers=other).status_code == 404


def test_export_reports_progress_and_cleans_up_when_cancelled(
    client: FlaskClient, auth: dict[str, str], settings: Settings, app: Flask
) -> None:
    add_tasks(client, auth, [f"task {n}" for n in range(6)])
    job = start_export(client, auth, delay_ms=1000)

    def progressed() -> dict[str, Any] | None:
        current: dict[str, Any] = client.get(f"/api/jobs/{job['id']}", headers=auth).get_json()
        progress = current["progress"]
        return current if progress and progress["done"] >= 1 else None

    running = wait_until(progressed, 30, "export progress")
    assert running["status"] == "running"
    assert running["progress"]["total"] == 6
    assert running["progress"]["done"] < 6

    assert client.post(f"/api/jobs/{job['id']}/cancel", headers=auth).status_code == 202
    done = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()

    assert done["status"] == "cancelled", done
    assert done["artifact_url"] is None
    assert client.get(f"/api/jobs/{job['id']}/artifact", headers=auth).status_code == 404
    # The activity removes its partial file as it stops, at most a heartbeat after the end.
    exports = settings.data_dir / "exports"
    wait_until(lambda: not list(exports.glob(f"job-{job['id']}*")), 15, "the partial removed")


def test_empty_export_succeeds_with_a_header_only(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    job = start_export(client, auth)
    done = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()
    assert done["status"] == "succeeded"
    assert done["result"]["rows"] == 0
    text = client.get(done["artifact_url"], headers=auth).get_data(as_text=True)
    assert text.strip() == "id,title,notes,due_at,completed_at,created_at"


def test_a_cancel_the_activity_never_confirms_still_ends_cancelled(
    temporal_server: TemporalDevServer, settings: Settings
) -> None:
    """The activity stalls (no heartbeat, never sees the cancel) until Temporal times it
    out: a cancel-requested activity is not retried, and the workflow ends cancelled."""
    started, release = threading.Event(), threading.Event()

    @activity.defn(name="export_tasks_csv")
    def stalled_export(job: JobContext, data: ExportInput) -> ExportResult:
        activity.heartbeat(Progress(done=0, total=1))
        started.set()
        release.wait(60)  # a stalled worker: no heartbeat while the cancel arrives
        return ExportResult(rows=0, filename="never.csv", bytes=0)

    async def run() -> tuple[BaseException | None, WorkflowExecutionStatus | None]:
        client = await Client.connect(temporal_server.address, data_converter=DATA_CONVERTER)
        queue = f"stalled-export-{uuid.uuid4().hex[:8]}"
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[ExportWorkflow],
            activities=[stalled_export],
            activity_executor=ThreadPoolExecutor(1),
            workflow_runner=workflow_runner(settings),
        )
        async with worker:
            handle = await client.start_workflow(
                ExportWorkflow.run,
                args=[JobContext(owner_id=1), ExportInput()],
                id=f"job-{uuid.uuid4()}",
                task_queue=queue,
            )
            try:
                assert await asyncio.to_thread(started.wait, 30)
                await handle.cancel()
                with pytest.raises(WorkflowFailureError) as failure:
                    await handle.result()
            finally:
                release.set()
            return failure.value.cause, (await handle.describe()).status

    cause, status = asyncio.run(run())
    assert isinstance(cause, CancelledError), cause
    assert status is WorkflowExecutionStatus.CANCELED
