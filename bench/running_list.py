"""The jobs list with 200 unfinished jobs against the list with none, and how many requests
an open dashboard makes with each."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx

from bench.stack import Bench, sign_up
from bench.wrk import wrk
from devstack.ports import free_port
from devstack.processes import WebProcess
from devstack.waiting import wait_until

RUNNING_JOBS = 200
# The goal's request is `GET /api/jobs` as sent (the default page, 20 jobs, what the dashboard
# asks for); the largest page, 100 jobs, is measured beside it.
PAGES = {"default page of 20": "/api/jobs", "page of 100": "/api/jobs?limit=100"}
GOAL_PAGE = "default page of 20"
DASHBOARD_WAIT_SECONDS = 25  # frontend/src/jobs/useJobUpdates.ts LIST_WAIT_SECONDS
DASHBOARD_MIN_INTERVAL_SECONDS = 1.0  # JobsPage's pollIntervalMs default


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


BLIND = f"{GOAL_PAGE}, {RUNNING_JOBS} unfinished, web app without Temporal"


def list_name(page: str, jobs: int) -> str:
    return f"{page}, {jobs} jobs" if jobs == 0 else f"{page}, {jobs} unfinished jobs"


def _lists(bench: Bench, busy: dict[str, str], idle: dict[str, str], seconds: int) -> Any:
    url = bench.stack.url
    blind_env = {
        **bench.stack.env,
        "WEB_PORT": str(free_port()),
        "TEMPORAL_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens there
    }
    blind = WebProcess.create(blind_env, bench.root / "logs" / "blind")
    blind.start()
    try:
        blind.wait_healthy()
        runs: dict[str, Any] = {}
        for page, path in PAGES.items():
            runs[list_name(page, 0)] = wrk(url + path, seconds, 8, idle)
            runs[list_name(page, RUNNING_JOBS)] = wrk(url + path, seconds, 8, busy)
        path = PAGES[GOAL_PAGE]
        runs[BLIND] = wrk(blind.url + path, seconds, 8, busy)
        return runs
    finally:
        blind.stop()


def list_with_running(bench: Bench, seconds: int, dashboard_seconds: float) -> dict[str, Any]:
    url = bench.stack.url
    busy, idle = sign_up(url), sign_up(url)
    ids = _start_running(url, busy, RUNNING_JOBS)
    try:

        def all_running() -> bool:
            page = httpx.get(f"{url}/api/jobs?limit=100&status=running", headers=busy, timeout=30)
            return len(page.json()["items"]) >= 100

        wait_until(all_running, 180, "the jobs to run")
        runs = _lists(bench, busy, idle, seconds)
        dashboard = {
            "0 jobs": dashboard_requests(url, idle, dashboard_seconds),
            f"{RUNNING_JOBS} running jobs": dashboard_requests(url, busy, dashboard_seconds),
        }
    finally:
        _cancel(url, busy, ids)
    for name, values in runs.items():
        page = GOAL_PAGE if name == BLIND else name.partition(",")[0]
        values["p50_ratio"] = values["p50_ms"] / runs[list_name(page, 0)]["p50_ms"]
    return {
        "load_1min": os.getloadavg()[0],
        "jobs": RUNNING_JOBS,
        "pages": PAGES,
        "goal_page": GOAL_PAGE,
        "seconds": seconds,
        "list": runs,
        "dashboard": dashboard,
        "dashboard_seconds": dashboard_seconds,
    }
