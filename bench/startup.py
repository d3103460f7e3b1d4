"""Seconds from `make run` to the first 200 from /api/ready, on this warm checkout."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from typing import Any

import httpx

from bench.stack import ARTIFACTS
from devstack.ports import free_port
from devstack.processes import ROOT
from devstack.waiting import wait_until

PORTS = (
    "WEB_PORT",
    "TEMPORAL_PORT",
    "TEMPORAL_UI_PORT",
    "WORKER_HEALTH_PORT",
    "WORKER_METRICS_PORT",
    "SMTP_PORT",
)


def _ready(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


def one_start(n: int) -> float:
    ports = {name: str(free_port()) for name in PORTS}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "TEMPORAL_"))}
    with (ARTIFACTS / f"make-run-{n}.log").open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env={**env, **ports},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            ready = f"http://127.0.0.1:{ports['WEB_PORT']}/api/ready"
            wait_until(lambda: _ready(ready), 180, "make run to be ready")
            return time.perf_counter() - started
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def make_run_startup(runs: int) -> dict[str, Any]:
    one_start(0)  # the first run warms the checkout (var/, migrations)
    timings = [one_start(n) for n in range(1, runs + 1)]
    return {
        "runs": timings,
        "median_s": statistics.median(timings),
        "command": "WEB_PORT=... TEMPORAL_PORT=... (free ports) make run",
    }
