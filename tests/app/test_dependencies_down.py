"""With Temporal or PostgreSQL down the app keeps answering: 503 JSON, nothing lost,
and recovery without a restart once the dependency is back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app.db import Database
from app.factory import create_app
from app.migrate import upgrade
from devstack.accounts import signup
from devstack.ports import free_port
from devstack.postgres import PostgresServer
from devstack.stack import process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from tests.conftest import settings_from_env
from tests.support.worker_thread import WorkerThread


def test_temporal_down_gives_503_and_recovers_without_restart(
    base_env: dict[str, str], migrated: None, tmp_path: Path
) -> None:
    temporal = TemporalDevServer(root=tmp_path / "temporal", port=free_port())
    settings = settings_from_env(
        process_env(
            base_env,
            TEMPORAL_SERVER_ADDRESS=temporal.address,
            TEMPORAL_RPC_TIMEOUT_SECONDS="2",
            WORKER_METRICS_PORT="0",
        )
    )
    client = create_app(settings).test_client()
    auth = signup(client)

    assert client.get("/api/health").status_code == 200
    ready = client.get("/api/ready")
    assert ready.status_code == 503
    checks = ready.get_json()["error"]["details"]["checks"]
    assert checks["temporal"]["ok"] is False and checks["database"]["ok"] is True
    refused = client.post(
        "/api/jobs", json={"type": "echo", "input": {"message": "x"}}, headers=auth
    )
    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "temporal_unavailable"
    assert refused.headers["Retry-After"] == "5"
    assert client.get("/api/jobs", headers=auth).get_json()["items"] == []

    temporal.start()
    worker = WorkerThread(settings)
    worker.start()
    try:
        # Reconnecting (a new client, then a health check) may take a few seconds under load.
        wait_until(lambda: client.get("/api/ready").status_code == 200, 30, "ready again")
        job = client.post(
            "/api/jobs", json={"type": "echo", "input": {"message": "back"}}, headers=auth
        ).get_json()
        assert job["status"] in ("queued", "running"), job

        def finished() -> dict[str, str] | None:
            seen = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()
            return seen if seen["status"] in ("succeeded", "failed", "cancelled") else None

        assert wait_until(finished, 90, "the job to finish")["status"] == "succeeded"
    finally:
        worker.stop()
        temporal.stop()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.create(Path(f"/tmp/pg-down-{uuid.uuid4().hex[:8]}"))
    server.start()
    yield server
    server.destroy()


def test_database_down_gives_503_and_recovers_without_restart(
    base_env: dict[str, str], own_postgres: PostgresServer
) -> None:
    url = own_postgres.create_database("app_down")
    settings = settings_from_env(process_env(base_env, DATABASE_URL=url, WORKER_METRICS_PORT="0"))
    database = Database(settings)
    upgrade(database.engine)
    database.dispose()
    client: FlaskClient = create_app(settings).test_client()
    auth = signup(client)
    assert client.post("/api/tasks", json={"title": "before"}, headers=auth).status_code == 201

    own_postgres.stop()

    assert client.get("/api/health").status_code == 200
    down = client.get("/api/tasks", headers=auth)
    assert down.status_code == 503
    assert down.get_json()["error"]["code"] == "database_unavailable"
    refused = client.post("/api/tasks", json={"title": "during"}, headers=auth)
    assert refused.status_code == 503
    ready = client.get("/api/ready")
    assert ready.status_code == 503
    assert ready.get_json()["error"]["details"]["checks"]["database"]["ok"] is False
    assert (
        client.post("/api/auth/login", json={"email": "a@b.co", "password": "x"}).status_code == 503
    )

    own_postgres.start()

    titles = [t["title"] for t in client.get("/api/tasks", headers=auth).get_json()["items"]]
    assert titles == ["before"]
    assert client.post("/api/tasks", json={"title": "after"}, headers=auth).status_code == 201
