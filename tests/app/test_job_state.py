"""The worker keeps the jobs rows current; reads use them only, and say when they may be
stale; the reconciler repairs rows that drifted from Temporal."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from temporalio.client import Client

from app.db import Database, utcnow
from app.factory import create_app
from app.jobs.changes import ChangeHub, finished_key, job_key
from app.jobs.state import JobStateStore, Outcome
from app.jobs.status import JobStatus
from app.jobs.temporal_state import temporal_origin
from app.migrate import upgrade
from app.models import Job
from app.settings import Settings
from app.worker.reconciler import VISIBILITY_GRACE, reconcile_once
from devstack.accounts import signup
from devstack.ports import free_port
from devstack.postgres import PostgresServer
from devstack.stack import process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.conftest import settings_from_env
from tests.support.worker_thread import WorkerThread


def start(client: FlaskClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/jobs", json=body, headers=auth)
    assert response.status_code == 202, response.get_json()
    job: dict[str, Any] = response.get_json()
    return job


def read(client: FlaskClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/jobs/{job_id}", headers=auth)
    assert response.status_code == 200, response.get_json()
    job: dict[str, Any] = response.get_json()
    return job


@pytest.mark.usefixtures("worker")
def test_reads_answer_from_the_rows_even_without_any_temporal(
    client: FlaskClient, auth: dict[str, str], base_env: dict[str, str]
) -> None:
    job = start(client, auth, {"type": "echo", "input": {"message": "slow", "delay_ms": 60_000}})
    wait_until(lambda: read(client, auth, job["id"])["status"] == "running", 30, "running")

    # The same database, and a Temporal address where nothing listens.
    blind = create_app(
        settings_from_env(process_env(base_env, TEMPORAL_SERVER_ADDRESS=f"127.0.0.1:{free_port()}"))
    ).test_client()
    seen = read(blind, auth, job["id"])
    assert seen["status"] == "running" and seen["stale"] is False
    listed = blind.get("/api/jobs", headers=auth)
    assert listed.status_code == 200
    assert [item["status"] for item in listed.get_json()["items"]] == ["running"]
    refused = blind.post(
        "/api/jobs", json={"type": "echo", "input": {"message": "x"}}, headers=auth
    )
    assert refused.status_code == 503

    assert client.post(f"/api/jobs/{job['id']}/cancel", headers=auth).status_code == 202
    done = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()
    assert done["status"] == "cancelled" and done["finished_at"] is not None


def database_row(database: Database, job_id: str) -> Job:
    with database.session() as session:
        found = session.get(Job, job_id)
    assert found is not None
    return found


@pytest.mark.usefixtures("worker")
def test_reconciler_repairs_a_row_that_missed_its_outcome(
    client: FlaskClient, auth: dict[str, str], settings: Settings
) -> None:
    job = start(client, auth, {"type": "echo", "input": {"message": "drift"}})
    assert client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()["status"] == (
        "succeeded"
    )
    database = Database(settings)
    try:
        with database.session() as session:  # as if the worker died before its write
            session.execute(
                update(Job)
                .where(Job.id == job["id"])
                .values(status=JobStatus.RUNNING, result=None, finished_at=None)
            )
        # Read from the table: the web app keeps the finished row it already answered.
        repaired = wait_until(
            lambda: (seen := database_row(database, job["id"])).status == "succeeded" and seen,
            3 * settings.job_reconcile_interval_seconds + 5,
            "the reconciler to repair the row",
        )
    finally:
        database.dispose()
    assert repaired.result == {"message": "drift", "delay_ms": 0}
    assert repaired.finished_at is not None


@pytest.fixture
def listening(
    client: FlaskClient, auth: dict[str, str], settings: Settings
) -> Iterator[tuple[str, ChangeHub, JobStateStore]]:
    """A queued row, a change hub of its own and the worker side's store of the rows."""
    if settings.listen_url is None:
        pytest.skip("pooled mode: no LISTEN through PgBouncer; the long polls above re-read")
    job = start_unstarted_row(settings, auth, client)
    store = JobStateStore(Database(settings))
    yield job, ChangeHub(settings.listen_url), store
    store.database.dispose()


def test_change_hub_wakes_a_watcher_on_a_committed_write(
    client: FlaskClient, auth: dict[str, str], listening: tuple[str, ChangeHub, JobStateStore]
) -> None:
    job, hub, store = listening
    with hub.watch([job_key(job)]) as watch:
        wait_until(lambda: hub.listening, 10, "the listener to LISTEN")
        watch.wait(0)  # take the generation the listener's (re)connect bumped
        writer = threading.Thread(target=store.mark_running, args=(job, utcnow()))
        writer.start()
        woke = watch.wait(30)
        writer.join()
    assert woke is True, "the NOTIFY did not wake the watcher"
    assert read(client, auth, job)["status"] == "running"


def test_only_a_jobs_end_wakes_the_watchers_of_its_end(
    listening: tuple[str, ChangeHub, JobStateStore],
) -> None:
    job, hub, store = listening
    with hub.watch([job_key(job)]) as any_change, hub.watch([finished_key(job)]) as end:
        wait_until(lambda: hub.listening, 10, "the listener to LISTEN")
        any_change.wait(0)  # take the generations the listener's (re)connect bumped
        end.wait(0)
        store.mark_running(job, utcnow())
        assert any_change.wait(30) is True, "the running notice did not arrive"
        # One notice bumps all its keys at once: had it named the end, `end` would see it.
        assert end.wait(0) is False, "a running job woke the watchers of its end"
        store.record_outcome(job, Outcome(JobStatus.SUCCEEDED, utcnow(), {"ok": 1}), None)
        assert end.wait(30) is True, "the job's end did not wake the watchers of its end"


@pytest.mark.usefixtures("worker")
def test_the_list_long_poll_answers_when_the_page_changes(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    first = client.get("/api/jobs", headers=auth).get_json()
    unchanged = client.get(f"/api/jobs?wait=0.5&version={first['version']}", headers=auth)
    assert unchanged.get_json()["version"] == first["version"]

    answered: list[dict[str, Any]] = []
    poll = threading.Thread(
        target=lambda: answered.append(
            client.get(f"/api/jobs?wait=30&version={first['version']}", headers=auth).get_json()
        )
    )
    poll.start()
    job = start(client, auth, {"type": "echo", "input": {"message": "news"}})
    poll.join(35)
    assert answered, "the long poll did not answer"
    assert answered[0]["version"] != first["version"]
    assert job["id"] in [item["id"] for item in answered[0]["items"]]


def start_unstarted_row(settings: Settings, auth: dict[str, str], client: FlaskClient) -> str:
    """A queued row with no workflow behind it (created now, so the reconciler leaves it)."""
    me = client.get("/api/auth/me", headers=auth).get_json()
    database = Database(settings)
    job_id = str(uuid.uuid4())
    try:
        with database.session() as session:
            session.add(Job(id=job_id, owner_id=me["id"], type="echo", status="queued", input={}))
    finally:
        database.dispose()
    return job_id


@pytest.fixture
def own_database(postgres: PostgresServer | None) -> Iterator[str]:
    if postgres is None:
        pytest.skip("needs a PostgreSQL server it may create databases on")
    yield postgres.create_database(f"stale_{uuid.uuid4().hex[:8]}")


def test_reads_say_the_state_may_be_stale_while_temporal_is_down(
    base_env: dict[str, str], own_database: str, tmp_path: Path
) -> None:
    temporal = TemporalDevServer(root=tmp_path / "temporal", port=free_port())
    temporal.start()
    settings = settings_from_env(
        process_env(
            base_env,
            DATABASE_URL=own_database,
            TEMPORAL_SERVER_ADDRESS=temporal.address,
            TEMPORAL_RPC_TIMEOUT_SECONDS="2",
            JOB_RECONCILE_INTERVAL_SECONDS="0.2",
            JOB_STATE_STALE_AFTER_SECONDS="3",
            WORKER_METRICS_PORT="0",
        )
    )
    database = Database(settings)
    upgrade(database.engine)
    database.dispose()
    client = create_app(settings).test_client()
    auth = signup(client)
    worker = WorkerThread(settings)
    worker.start()
    try:
        job = start(client, auth, {"type": "echo", "input": {"message": "s", "delay_ms": 60_000}})
        wait_until(lambda: read(client, auth, job["id"])["status"] == "running", 30, "running")
        # Fresh once a pass has confirmed the rows; the first may still be on its way.
        wait_until(lambda: read(client, auth, job["id"])["stale"] is False, 30, "fresh")

        temporal.stop()
        stale = wait_until(
            lambda: (seen := read(client, auth, job["id"]))["stale"] and seen, 30, "stale"
        )
        assert stale["status"] == "running"
        page = client.get("/api/jobs", headers=auth)
        assert page.status_code == 200 and page.get_json()["stale"] is True
        assert client.post(f"/api/jobs/{job['id']}/cancel", headers=auth).status_code == 503

        temporal.start()
        wait_until(lambda: not read(client, auth, job["id"])["stale"], 60, "fresh again")
        assert client.post(f"/api/jobs/{job['id']}/cancel", headers=auth).status_code == 202
        done = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()
        assert done["status"] == "cancelled"
    finally:
        worker.stop()
        temporal.stop()


def old_row(database: Database, owner_id: int, origin: str | None) -> str:
    """A running row with no workflow behind it, older than visibility's grace."""
    job_id = str(uuid.uuid4())
    with database.session() as session:
        session.add(
            Job(
                id=job_id,
                owner_id=owner_id,
                type="echo",
                status="running",
                input={},
                temporal_origin=origin,
                created_at=utcnow() - 2 * VISIBILITY_GRACE,
            )
        )
    return job_id


@pytest.mark.usefixtures("worker")
def test_the_reconciler_repairs_only_rows_started_on_its_own_temporal(
    client: FlaskClient,
    auth: dict[str, str],
    settings: Settings,
    temporal_server: TemporalDevServer,
) -> None:
    started = start(client, auth, {"type": "echo", "input": {"message": "mine"}})
    owner = client.get("/api/auth/me", headers=auth).get_json()["id"]

    async def scenario() -> tuple[str, dict[str, str | None]]:
        temporal = await Client.connect(temporal_server.address)
        origin = await temporal_origin(temporal)
        database = Database(settings)
        try:
            rows = {
                "elsewhere": old_row(database, owner, "another-cluster/default"),
                "unknown": old_row(database, owner, None),
                "mine": old_row(database, owner, origin),
            }
            await reconcile_once(temporal, JobStateStore(database))
            with database.session() as session:
                found = session.execute(
                    select(Job.id, Job.status, Job.temporal_origin).where(
                        Job.id.in_([*rows.values(), started["id"]])
                    )
                ).all()
        finally:
            database.dispose()
        by_id = {row.id: (row.status, row.temporal_origin) for row in found}
        assert by_id[started["id"]][1] == origin  # what the web app recorded on start
        return origin, {name: by_id[job_id][0] for name, job_id in rows.items()}

    origin, statuses = asyncio.run(scenario())
    assert origin.endswith("/default") and len(origin) > len("/default")
    # Only the row this Temporal started, and cannot find, is called gone.
    assert statuses == {"elsewhere": "running", "unknown": "running", "mine": "failed"}
