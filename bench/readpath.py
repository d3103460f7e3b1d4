"""The jobs read path: the list with 200 unfinished jobs, an open dashboard's request
rate, and where an authenticated read spends its time (py-spy under wrk)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.run import ARTIFACTS, Bench, wrk
from devstack.accounts import PASSWORD, new_email
from devstack.ports import free_port
from devstack.processes import WebProcess
from devstack.waiting import wait_until

RUNNING_JOBS = 200
LIST_URL = "/api/jobs?limit=100"
DASHBOARD_WAIT_SECONDS = 25  # frontend/src/jobs/useJobUpdates.ts LIST_WAIT_SECONDS
DASHBOARD_MIN_INTERVAL_SECONDS = 1.0  # JobsPage's pollIntervalMs default

READ_BUCKETS = (  # a stack counts for the first bucket one of whose markers it holds
    ("pool pre-ping", ("_do_ping", "do_ping", "pre_ping", "_checkout_existing")),
    ("token lookup (authenticate_request)", ("authenticate_request",)),
    ("job row read (owned_job)", ("owned_job",)),
    ("freshness read", ("Freshness.synced_at",)),
    ("response: job_out + pydantic + JSON", ("job_out", "to_response", "pydantic")),
    ("Flask / Werkzeug / gunicorn", ("flask/", "werkzeug/", "gunicorn/")),
)
CAUSES = (  # inside the token lookup and the job read: what caused the sample, if anywhere
    ("transaction begin/commit/rollback", ("begin", "commit", "rollback")),
    ("pool checkout/return", ("pool/", "_checkout", "_return_conn", "checkin")),
)
LEAF_LAYERS = (  # else the deepest of these frames: where the time was spent
    ("psycopg and the wire", "psycopg/"),
    ("Core statement compile/execute", "sqlalchemy/engine/"),
    ("Core statement compile/execute", "sqlalchemy/sql/"),
    ("ORM (Session, loading)", "sqlalchemy/orm/"),
)
DB_LAYERS = [*(name for name, _ in CAUSES), *dict.fromkeys(name for name, _ in LEAF_LAYERS)]


def _account(url: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/api/auth/signup", json={"email": new_email(), "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _start_running(url: str, auth: dict[str, str], count: int) -> list[str]:
    async def start_all() -> list[str]:
        limits = httpx.Limits(max_connections=8)
        async with httpx.AsyncClient(base_url=url, headers=auth, timeout=60, limits=limits) as h:
            gate = asyncio.Semaphore(8)

            async def one(n: int) -> str:
                async with gate:
                    body = {"type": "echo", "input": {"message": f"r{n}", "delay_ms": 600_000}}
                    response = await h.post("/api/jobs", json=body)
                    response.raise_for_status()
                    return str(response.json()["id"])

            return await asyncio.gather(*(one(n) for n in range(count)))

    return asyncio.run(start_all())


def _cancel(url: str, auth: dict[str, str], ids: list[str]) -> None:
    with httpx.Client(base_url=url, headers=auth, timeout=60) as http:
        for job_id in ids:
            http.post(f"/api/jobs/{job_id}/cancel")


def dashboard_requests(url: str, auth: dict[str, str], seconds: float) -> dict[str, float]:
    """What the dashboard's update loop does (useJobUpdates), counted for `seconds`."""
    requests = 0
    version: str | None = None
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, headers=auth, timeout=DASHBOARD_WAIT_SECONDS + 10) as http:
        while time.monotonic() < deadline:
            started = time.monotonic()
            params: dict[str, Any] = {"limit": 20}
            if version is not None:
                remaining = max(0.0, deadline - started)
                params |= {"version": version, "wait": min(DASHBOARD_WAIT_SECONDS, remaining)}
            page = http.get("/api/jobs", params=params)
            page.raise_for_status()
            version = page.json()["version"]
            requests += 1
            pause = started + DASHBOARD_MIN_INTERVAL_SECONDS - time.monotonic()
            if pause > 0 and time.monotonic() + pause < deadline:
                time.sleep(pause)  # the dashboard's own minimum interval between requests
    return {"requests": requests, "per_minute": requests * 60 / seconds}


def list_with_running(bench: Bench, seconds: int, dashboard_seconds: float) -> dict[str, Any]:
    url = bench.stack.url
    busy, idle = _account(url), _account(url)
    ids = _start_running(url, busy, RUNNING_JOBS)
    try:

        def all_running() -> bool:
            page = httpx.get(f"{url}/api/jobs?limit=100&status=running", headers=busy, timeout=30)
            return len(page.json()["items"]) >= 100

        wait_until(all_running, 180, "the jobs to run")
        blind_env = {
            **bench.stack.env,
            "WEB_PORT": str(free_port()),
            "TEMPORAL_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens there
        }
        blind = WebProcess.create(blind_env, bench.root / "logs" / "blind")
        blind.start()
        try:
            blind.wait_healthy()
            runs = {
                "list, 0 jobs": wrk(url + LIST_URL, seconds, 8, idle),
                f"list, {RUNNING_JOBS} unfinished jobs": wrk(url + LIST_URL, seconds, 8, busy),
                f"list, {RUNNING_JOBS} unfinished, web app without Temporal": wrk(
                    blind.url + LIST_URL, seconds, 8, busy
                ),
            }
        finally:
            blind.stop()
        dashboard = {
            "0 jobs": dashboard_requests(url, idle, dashboard_seconds),
            f"{RUNNING_JOBS} running jobs": dashboard_requests(url, busy, dashboard_seconds),
        }
    finally:
        _cancel(url, busy, ids)
    base = runs["list, 0 jobs"]["p50_ms"]
    for values in runs.values():
        values["p50_ratio"] = values["p50_ms"] / base
    return {
        "load_1min": os.getloadavg()[0],
        "jobs": RUNNING_JOBS,
        "seconds": seconds,
        "list": runs,
        "dashboard": dashboard,
        "dashboard_seconds": dashboard_seconds,
    }


def profile_read_path(bench: Bench, seconds: int) -> dict[str, Any]:
    """py-spy over the gunicorn workers while wrk reads one finished job."""
    assert bench.stack.web.process is not None
    job = httpx.post(
        f"{bench.stack.url}/api/jobs",
        json={"type": "echo", "input": {"message": "profile"}},
        headers=bench.auth,
    ).json()
    httpx.get(
        f"{bench.stack.url}/api/jobs/{job['id']}", params={"wait": 30}, headers=bench.auth
    ).raise_for_status()
    raw = ARTIFACTS / "read-profile.txt"
    command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw"]
    command += ["--output", str(raw), "--duration", str(seconds), "--rate", "250", "--idle"]
    command += ["--nonblocking", "--subprocesses", "--pid", str(bench.stack.web.process.pid)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = wrk(f"{bench.stack.url}/api/jobs/{job['id']}", seconds, 8, bench.auth)
    spy.wait()
    return {"seconds": seconds, "wrk": load, "load_1min": os.getloadavg()[0], **_shares(raw)}


def _layer(tail: str) -> str:
    for name, markers in CAUSES:
        if any(marker in tail for marker in markers):
            return name
    for frame in reversed(tail.split(";")):
        for name, marker in LEAF_LAYERS:
            if marker in frame:
                return name
    return "other"


def _shares(raw: Path) -> dict[str, Any]:
    buckets = dict.fromkeys([name for name, _ in READ_BUCKETS] + ["other"], 0)
    layers = dict.fromkeys([*DB_LAYERS, "other"], 0)
    total = db_total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit() or "wsgi_app" not in stack:
            continue
        count = int(count_text)
        total += count
        bucket = next((n for n, ms in READ_BUCKETS if any(m in stack for m in ms)), "other")
        buckets[bucket] += count
        marker = {READ_BUCKETS[1][0]: "authenticate_request", READ_BUCKETS[2][0]: "owned_job"}
        if bucket in marker:
            db_total += count
            layers[_layer(stack.split(marker[bucket])[-1])] += count
    return {
        "samples": total,
        "buckets": {name: n / max(total, 1) for name, n in buckets.items()},
        "db_layers": {name: n / max(db_total, 1) for name, n in layers.items()},
    }
