"""The jobs API against a real PostgreSQL, Temporal dev server and worker."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.factory import create_app
from devstack.accounts import signup
from devstack.stack import process_env
from devstack.waiting import wait_until
from tests.conftest import settings_from_env
from tests.support.worker_thread import WorkerThread

pytestmark = pytest.mark.usefixtures("worker")


def start(client: FlaskClient, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/jobs", json=body, headers=auth)
    assert response.status_code in (200, 202), response.get_json()
    job: dict[str, Any] = response.get_json()
    return job


def wait(client: FlaskClient, auth: dict[str, str], job_id: str, seconds: int = 20) -> Any:
    return client.get(f"/api/jobs/{job_id}?wait={seconds}", headers=auth).get_json()


def test_echo_job_runs_through_worker_and_returns_its_input(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    response = client.post(
        "/api/jobs", json={"type": "echo", "input": {"message": "hello"}}, headers=auth
    )
    assert response.status_code == 202
    job = response.get_json()
    assert job["status"] in ("queued", "running", "succeeded")

    done = wait(client, auth, job["id"])

    assert done["status"] == "succeeded"
    assert done["result"] == {"message": "hello", "delay_ms": 0}
    assert done["started_at"] is not None and done["finished_at"] is not None


def test_a_start_with_wait_answers_once_the_job_has_finished(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    key = f"key-{uuid.uuid4().hex}"
    body = {"type": "echo", "input": {"message": "in one request"}, "idempotency_key": key}

    started = client.post("/api/jobs?wait=20", json=body, headers=auth)
    again = client.post("/api/jobs?wait=20", json=body, headers=auth)

    assert started.status_code == 202
    job = started.get_json()
    assert job["status"] == "succeeded"
    assert job["result"] == {"message": "in one request", "delay_ms": 0}
    assert again.status_code == 200 and again.get_json()["id"] == job["id"]
    assert again.get_json()["status"] == "succeeded"


def test_a_start_with_a_wait_out_of_bounds_is_refused_naming_it(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = {"type": "echo", "input": {"message": "never started"}}
    response = client.post("/api/jobs?wait=31", json=body, headers=auth)

    assert response.status_code == 422
    fields = response.get_json()["error"]["details"]["fields"]
    assert [field["field"] for field in fields] == ["wait"]


def test_second_start_with_same_key_returns_same_job(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    key = f"key-{uuid.uuid4().hex}"
    body = {"type": "echo", "input": {"message": "once"}, "idempotency_key": key}
    first = client.post("/api/jobs", json=body, headers=auth)
    second = client.post("/api/jobs", json=body, headers=auth)

    assert first.status_code == 202
    assert second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    listed = client.get("/api/jobs?type=echo&limit=100", headers=auth).get_json()["items"]
    assert [job["id"] for job in listed].count(first.get_json()["id"]) == 1


def test_concurrent_starts_with_same_key_create_one_job(app: Flask, auth: dict[str, str]) -> None:
    body = {"type": "echo", "input": {"message": "race"}, "idempotency_key": uuid.uuid4().hex}

    def post(_: int) -> tuple[int, str]:
        response = app.test_client().post("/api/jobs", json=body, headers=auth)
        return response.status_code, response.get_json()["id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(post, range(20)))

    assert {job_id for _, job_id in results} == {results[0][1]}
    assert sorted(code for code, _ in results).count(202) == 1
    items = app.test_client().get("/api/jobs?limit=100", headers=auth).get_json()["items"]
    assert len([job for job in items if job["idempotency_key"] == body["idempotency_key"]]) == 1


def test_same_key_with_different_input_is_a_conflict(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    key = uuid.uuid4().hex
    start(client, auth, {"type": "echo", "input": {"message": "a"}, "idempotency_key": key})
    again = client.post(
        "/api/jobs",
        json={"type": "echo", "input": {"message": "b"}, "idempotency_key": key},
        headers=auth,
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "idempotency_conflict"


def test_list_filters_by_type_and_status_and_paginates(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    echoes = [start(client, auth, {"type": "echo", "input": {"message": str(n)}}) for n in range(3)]
    slow = start(client, auth, {"type": "echo", "input": {"message": "slow", "delay_ms": 60_000}})
    for job in echoes:
        assert wait(client, auth, job["id"])["status"] == "succeeded"

    succeeded = client.get("/api/jobs?status=succeeded&limit=100", headers=auth).get_json()
    assert {job["id"] for job in succeeded["items"]} == {job["id"] for job in echoes}
    # The worker records "running" once the slow job's activity starts: wait for that row.
    wait_until(
        lambda: (
            client.get(f"/api/jobs/{slow['id']}", headers=auth).get_json()["status"] == "running"
        ),
        20,
        "the slow job to run",
    )
    running = client.get("/api/jobs?status=running", headers=auth).get_json()["items"]
    assert [job["id"] for job in running] == [slow["id"]]
    assert client.get("/api/jobs?status=queued", headers=auth).get_json()["items"] == []
    assert client.get("/api/jobs?type=email", headers=auth).get_json()["items"] == []

    first = client.get("/api/jobs?limit=3", headers=auth).get_json()
    rest = client.get(f"/api/jobs?limit=3&cursor={first['next_cursor']}", headers=auth).get_json()
    ids = [job["id"] for job in first["items"] + rest["items"]]
    assert ids == [slow["id"], *[job["id"] for job in reversed(echoes)]]
    assert rest["next_cursor"] is None
    client.post(f"/api/jobs/{slow['id']}/cancel", headers=auth)


def test_cancel_stops_a_running_job(client: FlaskClient, auth: dict[str, str]) -> None:
    job = start(client, auth, {"type": "echo", "input": {"message": "long", "delay_ms": 120_000}})
    cancel = client.post(f"/api/jobs/{job['id']}/cancel", headers=auth)
    assert cancel.status_code == 202
    assert cancel.get_json()["cancel_requested_at"] is not None

    done = wait(client, auth, job["id"])

    assert done["status"] == "cancelled"
    again = client.post(f"/api/jobs/{job['id']}/cancel", headers=auth)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "job_finished"


def test_another_account_cannot_see_or_cancel_a_job(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    job = start(client, auth, {"type": "echo", "input": {"message": "mine"}})
    other = signup(client)
    assert client.get(f"/api/jobs/{job['id']}", headers=other).status_code == 404
    assert client.post(f"/api/jobs/{job['id']}/cancel", headers=other).status_code == 404
    assert client.get("/api/jobs", headers=other).get_json()["items"] == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"type": "nope"}, 422, "type"),
        ({"type": "echo", "input": {"message": 5}}, 422, "input.message"),
        ({"type": "echo", "input": {}}, 422, "input.message"),
        ({"type": "echo", "input": {"message": "x", "extra": 1}}, 422, "input.extra"),
        ({"type": "echo", "input": {"message": "x", "delay_ms": -1}}, 422, "input.delay_ms"),
        ({"type": "echo", "input": "text"}, 422, "input"),
        ({"type": "echo", "input": {"message": "x"}, "idempotency_key": "no spaces"}, 422, "idempotency_key"),
        ({"type": "email", "input": {"to": "nobody", "subject": "s", "body": "b"}}, 422, "input.to"),
        ({"type": "email", "input": {"to": "a@b.co", "subject": "a\nBcc: x@y.z", "body": "b"}}, 422, "input.subject"),
        ({}, 422, "type"),
        ([1, 2], 422, "body"),
    ],
)  # fmt: skip
def test_bad_job_input_is_a_4xx_naming_the_field(
    client: FlaskClient, auth: dict[str, str], body: Any, status: int, field: str
) -> None:
    response = client.post("/api/jobs", json=body, headers=auth)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["fields"][0]["field"] == field


def test_malformed_json_oversized_input_and_wrong_media_type(
    client: FlaskClient, auth: dict[str, str], app: Flask
) -> None:
    broken = client.post(
        "/api/jobs", data="{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.get_json()["error"]["code"] == "invalid_json"

    limit = app.extensions["services"].settings.job_input_max_bytes
    big = client.post(
        "/api/jobs", json={"type": "echo", "input": {"message": "x" * (limit + 1)}}, headers=auth
    )
    assert big.status_code == 413
    assert big.get_json()["error"]["code"] == "input_too_large"

    huge = client.post(
        "/api/jobs",
        data=b'{"type": "echo", "input": {"message": "' + b"x" * 300_000 + b'"}}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.is_json

    form = client.post(
        "/api/jobs", data="type=echo", headers={**auth, "Content-Type": "text/plain"}
    )
    assert form.status_code == 415


def test_unknown_job_and_unknown_route_are_404_json(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    missing = client.get(f"/api/jobs/{uuid.uuid4()}", headers=auth)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/jobs/not-a-uuid", headers=auth).status_code == 404
    assert client.get("/api/nothing-here").get_json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/jobs", headers=auth)
    assert wrong_method.status_code == 405
    assert wrong_method.is_json


def test_job_types_list_every_registered_type_with_its_schema(client: FlaskClient) -> None:
    items = client.get("/api/job-types").get_json()["items"]
    by_name = {item["name"]: item for item in items}
    assert set(by_name) >= {"echo", "export", "email", "healthcheck", "reminders"}
    assert by_name["echo"]["input_schema"]["required"] == ["message"]
    assert by_name["echo"]["input_schema"]["properties"]["delay_ms"]["maximum"] == 600_000


def test_one_temporal_client_serves_every_request(
    app: Flask, client: FlaskClient, auth: dict[str, str], worker: WorkerThread
) -> None:
    gateway = app.extensions["services"].temporal
    start(client, auth, {"type": "echo", "input": {"message": "a"}})
    first_client, first_loop = gateway._client, gateway._loop
    for n in range(5):
        start(client, auth, {"type": "echo", "input": {"message": str(n)}})
    assert gateway._client is first_client
    assert gateway._loop is first_loop


def test_a_long_poll_waits_at_most_the_servers_bound(base_env: dict[str, str]) -> None:
    settings = settings_from_env(
        process_env(base_env, JOB_WAIT_MAX_SECONDS="1", WORKER_METRICS_PORT="0")
    )
    client = create_app(settings).test_client()
    auth = signup(client)
    # Its own task queue, which no worker polls: the job stays queued.
    job = start(client, auth, {"type": "echo", "input": {"message": "never run"}})
    with ThreadPoolExecutor(1) as pool:
        asked_30 = pool.submit(wait, client, auth, job["id"], 30)
        assert asked_30.result(timeout=15)["status"] == "queued"
        page = client.get("/api/jobs", headers=auth).get_json()
        listed = pool.submit(
            lambda: client.get(
                f"/api/jobs?wait=30&version={page['version']}", headers=auth
            ).get_json()
        )
        assert listed.result(timeout=15)["version"] == page["version"]
        body = {"type": "echo", "input": {"message": "never run either"}}
        started = pool.submit(
            lambda: client.post("/api/jobs?wait=30", json=body, headers=auth)
        ).result(timeout=15)
        assert started.status_code == 202 and started.get_json()["status"] == "queued"
