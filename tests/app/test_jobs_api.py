"""The jobs API against a real PostgreSQL, Temporal dev server and worker."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient

from tests.support.worker_thread import WorkerThread


def start(client: FlaskClient, auth: dict[str, str], body: dict[str, Any]) -> Any:
    response = client.post("/api/jobs", json=body, headers=auth)
    assert response.status_code in (200, 202), response.get_json()
    return response


def test_echo_job_runs_through_worker_and_returns_its_input(
    client: FlaskClient, auth: dict[str, str], worker: WorkerThread
) -> None:
    response = start(client, auth, {"type": "echo", "input": {"message": "hello"}})
    assert response.status_code == 202
    job = response.get_json()
    assert job["status"] in ("queued", "running", "succeeded")

    done = client.get(f"/api/jobs/{job['id']}?wait=20", headers=auth).get_json()

    assert done["status"] == "succeeded"
    assert done["result"] == {"message": "hello", "delay_ms": 0}
    assert done["started_at"] is not None and done["finished_at"] is not None


def test_second_start_with_same_key_returns_same_job(
    client: FlaskClient, auth: dict[str, str], worker: WorkerThread
) -> None:
    key = f"key-{uuid.uuid4().hex}"
    body = {"type": "echo", "input": {"message": "once"}, "idempotency_key": key}
    first = start(client, auth, body)
    second = start(client, auth, body)

    assert first.status_code == 202
    assert second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    listed = client.get("/api/jobs?type=echo&limit=100", headers=auth).get_json()["items"]
    assert [job["id"] for job in listed].count(first.get_json()["id"]) == 1
