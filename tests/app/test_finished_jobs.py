"""A finished job's row is kept by the web process after its first read; an unfinished
one never is, and another account still gets 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.api.finished_jobs import FinishedJobs
from app.api.job_out import JobRecord
from devstack.accounts import signup
from devstack.waiting import wait_until


def record(job_id: str, status: str) -> JobRecord:
    now = datetime.now(UTC)
    return JobRecord(job_id, "echo", status, {}, None, None, None, None, None, now, now, now, None)


def test_only_finished_rows_are_kept_per_owner_and_the_oldest_read_goes_first() -> None:
    cache = FinishedJobs(max_entries=2)
    cache.keep(1, "running", record("running", "running"))
    cache.keep(1, "a", record("a", "succeeded"))
    cache.keep(1, "b", record("b", "failed"))

    assert cache.get(1, "running") is None
    assert cache.get(2, "a") is None  # another owner
    assert cache.get(1, "a") is not None  # now the most recently read
    cache.keep(1, "c", record("c", "cancelled"))
    assert (cache.get(1, "b"), len(cache)) == (None, 2)
    assert cache.get(1, "a") is not None and cache.get(1, "c") is not None


@pytest.mark.usefixtures("worker")
def test_a_job_is_kept_once_it_is_read_finished(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    services = app.extensions["services"]
    kept: FinishedJobs = services.finished_jobs
    body = {"type": "echo", "input": {"message": "kept", "delay_ms": 300}}
    job: dict[str, Any] = client.post("/api/jobs", json=body, headers=auth).get_json()
    me = client.get("/api/auth/me", headers=auth).get_json()

    first = client.get(f"/api/jobs/{job['id']}", headers=auth).get_json()
    if first["status"] != "succeeded":
        assert kept.get(me["id"], job["id"]) is None, "an unfinished row was kept"

    def finished() -> bool:
        read = client.get(f"/api/jobs/{job['id']}", headers=auth).get_json()
        return bool(read["status"] == "succeeded")

    wait_until(finished, 30, "the job to succeed")
    assert kept.get(me["id"], job["id"]) is not None
    again = client.get(f"/api/jobs/{job['id']}", headers=auth).get_json()
    assert again["status"] == "succeeded" and again["result"]["message"] == "kept"
    assert client.get(f"/api/jobs/{job['id']}", headers=signup(client)).status_code == 404
