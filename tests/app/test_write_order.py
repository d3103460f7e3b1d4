"""A worker's write that comes before the job row's insert has committed waits for that
commit on the insert's lock, so a fast job's state is never missed nor retried late."""

from __future__ import annotations

import threading
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app.db import Database, utcnow
from app.jobs.state import JobStateStore, inserting
from app.models import Job
from app.settings import Settings
from devstack.waiting import wait_until

WAITING_ON_ADVISORY_LOCK = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
)


def test_a_worker_write_waits_for_the_row_insert_to_commit(
    client: FlaskClient, auth: dict[str, str], settings: Settings
) -> None:
    if settings.db_transaction_pooling:
        pytest.skip(
            "pooled mode: PgBouncer's 2 server connections are the insert's and the write's"
        )
    database = Database(settings)
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the insert's lock is PostgreSQL's (SQLite retries with a backoff)")
    me = client.get("/api/auth/me", headers=auth).get_json()
    store = JobStateStore(database)
    job_id = str(uuid.uuid4())
    written: list[bool] = []

    def waiting() -> bool:
        with database.engine.connect() as connection:
            return bool(connection.execute(WAITING_ON_ADVISORY_LOCK).scalar())

    try:
        with database.session() as session:  # what JobTracker.start does, up to its commit
            row = {"id": job_id, "owner_id": me["id"], "type": "echo", "status": "queued"}
            unset = {"idempotency_key": None, "temporal_origin": None}
            inserting(session.connection(), {**row, **unset, "input": {}, "created_at": utcnow()})
            writer = threading.Thread(
                target=lambda: written.append(store.mark_running(job_id, utcnow()))
            )
            writer.start()
            wait_until(waiting, 10, "the worker's write to wait on the insert's lock")
            assert written == [], "the write went ahead of the insert's commit"
        writer.join(10)
        assert written == [True], "the write missed the row once it was committed"
        with database.session() as session:
            assert session.get(Job, job_id).status == "running"  # type: ignore[union-attr]
    finally:
        database.dispose()
