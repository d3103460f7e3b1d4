"""Long polls cannot take every thread of a web process: the others keep answering."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx

from app.db import Database, utcnow
from app.models import Job
from app.settings import Settings
from devstack.accounts import PASSWORD, new_email
from devstack.processes import WebProcess
from devstack.stack import process_env
from devstack.waiting import wait_until

HELD_SECONDS = 30


def test_long_polls_beyond_the_room_answer_at_once_and_the_reserved_threads_still_serve(
    base_env: dict[str, str], settings: Settings, migrated: None, tmp_path: Path
) -> None:
    # One worker of 5 threads: 4 are reserved, so one long poll may wait.
    web = WebProcess.create(process_env(base_env, WEB_WORKERS="1", WEB_THREADS="5"), tmp_path)
    web.start()
    held: list[httpx.Response] = []
    holder = threading.Thread(target=lambda: None)
    try:
        web.wait_healthy()
        account = {"email": new_email(), "password": PASSWORD}
        token = httpx.post(f"{web.url}/api/auth/signup", json=account).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        owner_id = httpx.get(f"{web.url}/api/auth/me", headers=headers).json()["id"]
        version = httpx.get(f"{web.url}/api/jobs", headers=headers).json()["version"]
        url = f"{web.url}/api/jobs?version={version}"

        def hold() -> None:  # waits until this account's page changes
            while True:  # a probe below may hold the room for its half second: ask again
                answer = httpx.get(f"{url}&wait={HELD_SECONDS}", headers=headers, timeout=60)
                if "Retry-After" not in answer.headers:
                    held.append(answer)
                    return

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()

        def refused() -> httpx.Response | None:
            # Until the holder waits, this one may get the room and wait its half second.
            answer = httpx.get(f"{url}&wait=0.5", headers=headers, timeout=HELD_SECONDS)
            return answer if "Retry-After" in answer.headers else None

        answer = wait_until(refused, 15, "the first long poll to hold the only room")
        assert answer.status_code == 200
        assert answer.headers["Retry-After"] == "1"
        assert answer.json()["version"] == version  # the page as it is, not an error

        # Before, five long polls took all five threads, and every request after them
        # queued until one ended (19 s for /api/health here). Now each is answered at once.
        with httpx.Client(headers=headers, timeout=HELD_SECONDS / 2) as client:
            crowd = [client.get(f"{url}&wait={HELD_SECONDS}") for _ in range(5)]
            assert all(one.headers.get("Retry-After") == "1" for one in crowd)
            assert client.get(f"{web.url}/api/health").status_code == 200
            # A start that asks to wait for the job's end starts it and answers at once.
            # (Another account's job: a job of the holder's would change its page.)
            other = {"email": new_email(), "password": PASSWORD}
            other_token = client.post(f"{web.url}/api/auth/signup", json=other).json()["token"]
            started = client.post(
                f"{web.url}/api/jobs?wait={HELD_SECONDS}",
                json={"type": "echo", "input": {"message": "crowded out"}},
                headers={"Authorization": f"Bearer {other_token}"},
            )
            assert started.status_code == 202 and started.headers.get("Retry-After") == "1"
        assert holder.is_alive() and not held  # all the while, the first one waited

        _add_finished_job(settings, owner_id)  # its page changes: the holder answers
        holder.join(HELD_SECONDS)
        assert held and held[0].status_code == 200 and "Retry-After" not in held[0].headers
        assert held[0].json()["version"] != version
    finally:
        web.stop()
        if holder.is_alive():
            holder.join(HELD_SECONDS)


def _add_finished_job(settings: Settings, owner_id: int) -> None:
    database = Database(settings)
    try:
        with database.session() as session:
            now = utcnow()
            job = Job(id=str(uuid.uuid4()), owner_id=owner_id, type="echo", status="succeeded")
            job.input, job.result, job.created_at, job.finished_at = {}, {}, now, now
            session.add(job)
    finally:
        database.dispose()
