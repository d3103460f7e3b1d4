"""Requests per second under wrk: the app's reads against one bare Flask handler."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.stack import Bench
from bench.wrk import mean_of_rounds, wrk
from devstack.ports import free_port
from devstack.processes import WebProcess

BARE = "bare Flask handler"


def bare_flask(bench: Bench) -> WebProcess:
    """`bench.bare`, served by the app's own gunicorn settings on a free port."""
    env = {**bench.stack.env, "WEB_PORT": str(free_port())}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "python:app.gunicorn_conf", "bench.bare:create_app()"]
    log = bench.root / "logs" / "bare.log"
    return WebProcess("bare", command, env, log, port=int(env["WEB_PORT"]))


def http_load(bench: Bench, seconds: int, rounds: int, connections: int) -> dict[str, Any]:
    bare = bare_flask(bench)
    bare.start()
    try:
        bare.wait_healthy()
        job = bench.finished_job("http")
        targets = {
            BARE: (f"{bare.url}/api/health", {}),
            "GET /api/health": (f"{bench.stack.url}/api/health", {}),
            "GET /api/jobs/<id> (authenticated)": (
                f"{bench.stack.url}/api/jobs/{job['id']}",
                bench.auth,
            ),
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (url, headers) in targets.items():
                runs[name].append(wrk(url, seconds, connections, headers))
    finally:
        bare.stop()
    summary: dict[str, Any] = {name: mean_of_rounds(results) for name, results in runs.items()}
    baseline = summary[BARE]["requests_per_s"]
    for values in summary.values():
        values["ratio"] = values["requests_per_s"] / baseline
    return {"connections": connections, "seconds": seconds, "rounds": rounds, **summary}
