"""Jobs survive a restart of the web app and the worker (real gunicorn and worker processes)."""

from __future__ import annotations

from pathlib import Path

import httpx

from devstack.accounts import new_email
from devstack.stack import Stack, process_env


def test_list_and_running_jobs_survive_a_restart_of_web_and_worker(
    base_env: dict[str, str], migrated: None, tmp_path: Path
) -> None:
    env = process_env(base_env)
    stack = Stack.start(env, tmp_path / "first")
    try:
        api = httpx.Client(base_url=stack.url, timeout=30)
        token = api.post(
            "/api/auth/signup", json={"email": new_email(), "password": "long enough"}
        ).json()["token"]
        api.headers["Authorization"] = f"Bearer {token}"
        quick = api.post("/api/jobs", json={"type": "echo", "input": {"message": "quick"}}).json()
        assert api.get(f"/api/jobs/{quick['id']}?wait=20").json()["status"] == "succeeded"
        slow = api.post(
            "/api/jobs", json={"type": "echo", "input": {"message": "slow", "delay_ms": 2000}}
        ).json()
    finally:
        stack.stop()

    stack = Stack.start(env, tmp_path / "second")
    try:
        api = httpx.Client(base_url=stack.url, timeout=30, headers=api.headers)
        done = api.get(f"/api/jobs/{slow['id']}?wait=25").json()
        assert done["status"] == "succeeded"
        assert done["result"]["message"] == "slow"
        listed = api.get("/api/jobs").json()["items"]
        assert [(job["id"], job["status"]) for job in listed] == [
            (slow["id"], "succeeded"),
            (quick["id"], "succeeded"),
        ]
    finally:
        stack.stop()
