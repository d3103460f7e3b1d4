"""Requests per second under wrk: the app's reads against one bare Flask handler."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.footprint import cpu_seconds
from bench.stack import Bench
from bench.wrk import mean_of_rounds, wrk
from devstack.ports import free_port
from devstack.processes import WebProcess

BARE = "bare Flask handler"
FINISHED_READ = "GET /api/jobs/<id> (authenticated)"
RUNNING_READ = "GET /api/jobs/<id> (authenticated, running)"


def served(bench: Bench, name: str, factory: str) -> WebProcess:
    """A bench app (`factory`, such as "bench.bare:create_app()"), served by the app's own
    gunicorn settings on a free port, with the stack's environment."""
    env = {**bench.stack.env, "WEB_PORT": str(free_port())}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "python:app.gunicorn_conf", factory]
    log = bench.root / "logs" / f"{name}.log"
    return WebProcess(name, command, env, log, port=int(env["WEB_PORT"]))


def bare_flask(bench: Bench) -> WebProcess:
    return served(bench, "bare", "bench.bare:create_app()")


def http_load(bench: Bench, seconds: int, rounds: int, connections: int) -> dict[str, Any]:
    bare = bare_flask(bench)
    bare.start()
    try:
        bare.wait_healthy()
        job = bench.finished_job("http")
        with bench.running_job("http") as running:
            targets = {
                BARE: (f"{bare.url}/api/health", {}),
                "GET /api/health": (f"{bench.stack.url}/api/health", {}),
                # a finished row comes from the process's cache after its first read
                FINISHED_READ: (f"{bench.stack.url}/api/jobs/{job['id']}", bench.auth),
                # an unfinished one is read from the database every time
                RUNNING_READ: (f"{bench.stack.url}/api/jobs/{running['id']}", bench.auth),
            }
            runs = _rounds(bench, bare, targets, seconds, rounds, connections)
    finally:
        bare.stop()
    summary: dict[str, Any] = {name: mean_of_rounds(results) for name, results in runs.items()}
    baseline = summary[BARE]["requests_per_s"]
    for values in summary.values():
        values["ratio"] = values["requests_per_s"] / baseline
    return {"connections": connections, "seconds": seconds, "rounds": rounds, **summary}


def _rounds(
    bench: Bench,
    bare: WebProcess,
    targets: dict[str, tuple[str, dict[str, str]]],
    seconds: int,
    rounds: int,
    connections: int,
) -> dict[str, list[dict[str, float]]]:
    assert bare.process and bench.stack.web.process
    web_pids = {name: bench.stack.web.process.pid for name in targets}
    web_pids[BARE] = bare.process.pid
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
    postmaster = bench.postmaster_pid()
    for _ in range(rounds):
        for name, (url, headers) in targets.items():
            runs[name].append(
                cpu_split(web_pids[name], postmaster, url, headers, seconds, connections)
            )
    return runs


def cpu_split(
    web_pid: int,
    postgres_pid: int,
    url: str,
    headers: dict[str, str],
    seconds: int,
    connections: int,
) -> dict[str, float]:
    """One wrk run, with the CPU the web process and PostgreSQL spent per answered request:
    under py-spy a thread waiting for the GIL after its answer arrived looks like a database
    wait, so this says which side the time is really spent on."""
    web, postgres = cpu_seconds(web_pid), cpu_seconds(postgres_pid)
    figures = wrk(url, seconds, connections, headers)
    requests = max(figures["requests"], 1.0)
    figures["web_cpu_ms_per_request"] = (cpu_seconds(web_pid) - web) * 1000 / requests
    figures["postgres_cpu_ms_per_request"] = (
        (cpu_seconds(postgres_pid) - postgres) * 1000 / requests
    )
    return figures
