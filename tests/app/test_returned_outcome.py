"""A job's result is recorded as its workflow returns, before Temporal records the close;
Temporal's close then settles it, and a different close corrects the row and every web
process's kept copy."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import Database, as_utc, utcnow
from app.jobs.state import JobStateStore, workflow_id
from app.jobs.temporal_state import succeeded
from app.models import Job
from app.settings import Settings
from app.temporal_client import connect_client
from devstack.waiting import wait_until


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


def start(client: FlaskClient, auth: dict[str, str], data: dict[str, Any]) -> str:
    response = client.post("/api/jobs", json={"type": "echo", "input": data}, headers=auth)
    assert response.status_code == 202, response.get_json()
    return str(response.get_json()["id"])


def row(database: Database, job_id: str) -> Job:
    with database.session() as session:
        found = session.scalar(select(Job).where(Job.id == job_id))
    assert found is not None
    return found


async def close_time(settings: Settings, job_id: str) -> Any:
    client = await connect_client(settings)
    description = await client.get_workflow_handle(workflow_id(job_id)).describe()
    return description.close_time


@pytest.mark.usefixtures("worker")
def test_the_result_is_recorded_as_the_workflow_returns(
    client: FlaskClient, auth: dict[str, str], settings: Settings, database: Database
) -> None:
    job_id = start(client, auth, {"message": "early"})
    done = client.get(f"/api/jobs/{job_id}?wait=20", headers=auth).get_json()
    assert done["status"] == "succeeded" and done["result"] == {"message": "early", "delay_ms": 0}

    # Stamped as the completion left the worker, so before Temporal's close event; the
    # result wait only hears of the close after that event.
    closed = asyncio.run(close_time(settings, job_id))
    finished = as_utc(row(database, job_id).finished_at)
    assert finished is not None and closed is not None
    assert finished < closed, (finished, closed)


@pytest.mark.usefixtures("worker")
def test_a_close_that_differs_corrects_the_row_and_the_kept_copy(
    app: Flask, client: FlaskClient, auth: dict[str, str], settings: Settings, database: Database
) -> None:
    if settings.listen_url is None:
        pytest.skip("pooled mode: no LISTEN through PgBouncer, so no finished row is kept")
    services = app.extensions["services"]
    job_id = start(client, auth, {"message": "raced", "delay_ms": 60_000})
    wait_until(
        lambda: (
            client.get(f"/api/jobs/{job_id}", headers=auth).get_json()["status"] == "running"
            and services.changes.listening
        ),
        30,
        "the job to run, and the web app to listen",
    )
    # As if the workflow had returned just as an operator terminated it: the worker's
    # report of the return lands first, then Temporal closes the run as terminated.
    store = JobStateStore(database)
    assert store.record_outcome(job_id, succeeded({"message": "raced"}), utcnow())
    kept = client.get(f"/api/jobs/{job_id}", headers=auth).get_json()
    assert kept["status"] == "succeeded"
    me = client.get("/api/auth/me", headers=auth).get_json()
    assert services.finished_jobs.get(me["id"], job_id) is not None

    async def terminate() -> None:
        temporal = await connect_client(settings)
        await temporal.get_workflow_handle(workflow_id(job_id)).terminate("operator")

    asyncio.run(terminate())
    corrected = wait_until(
        lambda: (
            (seen := client.get(f"/api/jobs/{job_id}", headers=auth).get_json())["status"]
            == "failed"
            and seen
        ),
        30,
        "Temporal's close to correct the row",
    )
    assert corrected["result"] is None and "terminated" in (corrected["error"] or "")
    assert row(database, job_id).status == "failed"
