"""The page's prose that reads the figures: what the numbers mean, and the API path profile."""

from __future__ import annotations

from typing import Any

from bench.report_readpath import THROUGHPUT_GOAL
from bench.sides import FLOOR, FLOOR_PROCESS
from bench.stack import POSTGRES, WEB


def notes(results: dict[str, Any]) -> list[str]:
    tp = results["throughput"]
    cpu = tp["cpu_ms_per_job"]
    web, worker, server = (
        WEB,
        "worker (temporal_server.py)",
        "Temporal dev server",
    )
    per_job_sdk = sum(cpu["sdk"].values())
    cores = int(results["machine"]["cores"])
    job_read = results["http"]["GET /api/jobs/<id> (authenticated)"]
    return [
        f"- **The engine is the ceiling.** In the SDK rounds the dev server spent "
        f"{cpu['sdk'][server]:.0f} ms of CPU per echo job (its SQLite file, on tmpfs "
        f"here) and the worker {cpu['sdk'][worker]:.0f} ms: about "
        f"{per_job_sdk:.0f} ms per job, so {cores} cores allow roughly "
        f"{cores * 1000 / per_job_sdk:.0f} jobs/s before anything else runs. Both sides "
        "share that ceiling; the throughput ratio is what the web app costs on top.",
        f"- **What the app adds per job**: {cpu['api'][web]:.0f} ms of web-app CPU (one HTTP "
        "request, `POST /api/jobs?wait=30`: the token, validation, the row's insert and the "
        "start RPC, then the wait for the row's NOTIFY and its read), "
        f"{cpu['api'][worker] - cpu['sdk'][worker]:+.1f} ms in the worker (the job row's "
        "writes: one for a job that ends within half a second, two for a longer one) and "
        f"{cpu['api'].get(POSTGRES, 0.0):.1f} ms in PostgreSQL. The long poll waits on the "
        "row's NOTIFY, and nothing waits on a job's result in Temporal (the SDK caller's "
        "result wait is a long poll the dev server serves); the dev server spent "
        f"{cpu['api'][server] - cpu['sdk'][server]:+.1f} ms per job against the SDK's rounds, "
        "the reconciler's visibility lists included, a difference that changes sign from run "
        f"to run.{_client_note(tp)} On "
        f"{cores} cores the rounds are CPU-bound, so the throughput ratio is close to the "
        "ratio of the CPU each side spends per job.",
        *_budget_note(results, per_job_sdk),
        "- **Why the state is on tmpfs.** `python -m bench --only latency`, twice per layout on "
        "2026-12-03: all state on this VM's disk, API p50 152 ms against the SDK's 100-102 "
        "(1.50x, 1.52x); PostgreSQL and logs on tmpfs, the dev server's SQLite on disk, 1.17x and "
        "1.19x; everything on tmpfs, 107 ms against 96-97 (1.11x both times). The disk stalls an "
        "fsync by ~50 ms when other files have dirty pages, so on disk the web app's own writes "
        "slowed the engine's commits.",
        "- **Before issue 12** (`bench/baselines/read_path_before.json`): p50 1.10x, p99 "
        "1.33x, throughput 0.89x the SDK, the authenticated read 0.11x a bare handler.",
        f"- **The authenticated job read** serves {job_read['ratio']:.2f}x a bare handler's "
        "rate: one connection, one pre-ping, the token lookup and the row read, on the same "
        "2 cores as wrk and PostgreSQL. `/api/health`, which touches nothing, runs at the bare "
        f"rate.{read_cpu(results['http'])}",
        "- **Sizing.** Requests from idle PSS, limits from peak RSS plus headroom: see the "
        "footprint table. The dev server grows with its history (SQLite cache), so give it "
        "the most headroom.",
    ]


def _budget_note(results: dict[str, Any], per_job_sdk: float) -> list[str]:
    """What >= 0.95x leaves the app per job, against what it spends and two bare requests."""
    bare = results.get("http", {}).get("bare Flask handler", {})
    if "web_cpu_ms_per_request" not in bare:
        return []
    tp = results["throughput"]
    per_job_api = sum(tp["cpu_ms_per_job"]["api"].values())
    client = tp.get("client_cpu_ms_per_job", {"api": 0.0, "sdk": 0.0})
    extra = per_job_api + client["api"] - per_job_sdk - client["sdk"]
    budget = (per_job_sdk + client["sdk"]) * (1 / THROUGHPUT_GOAL - 1)
    return [
        f"- **The budget.** >= {THROUGHPUT_GOAL}x the SDK's throughput, when the rounds are "
        f"CPU-bound, leaves the app {budget:.1f} ms of CPU per job on top of the SDK side's "
        f"{per_job_sdk + client['sdk']:.0f} ms (load generator included); it spends "
        f"{extra:+.1f} ms in this run ({'within' if extra <= budget else 'over'} it, the dev "
        "server's difference included). The budget has to hold the "
        "web app's request (token, validation, the row's insert, the start RPC, the wait and "
        "the row's read), PostgreSQL's statements and the worker's writes; one request to the "
        f"bare Flask handler alone costs {bare['web_cpu_ms_per_request']:.1f} ms of "
        "web-app CPU here (the HTTP table). Started and waited for in two requests, as before "
        f"`?wait` on the start, the app ran at {tp.get('two_request_ratio', 0):.2f}x the SDK "
        f"(the rounds table).{floor_note(tp, per_job_sdk)}",
    ]


def floor_note(tp: dict[str, Any], per_job_sdk: float) -> str:
    """What a Flask handler costs that only runs the workflow: the floor under the app."""
    cpu, client = tp["cpu_ms_per_job"], tp.get("client_cpu_ms_per_job", {})
    if FLOOR not in cpu or FLOOR not in client:
        return ""
    extra = sum(cpu[FLOOR].values()) + client[FLOOR] - per_job_sdk - client["sdk"]
    return (
        " The floor, a Flask handler under the same gunicorn that only runs the workflow "
        f"through the app's client (`bench/floor.py`: no token, no row), ran at "
        f"{tp['floor_ratio']:.2f}x; its process spent {cpu[FLOOR][FLOOR_PROCESS]:.1f} ms of CPU "
        f"per job, and all processes together {extra:+.1f} ms against the SDK's rounds, "
        "before any of the app's own work."
    )


def _client_note(tp: dict[str, Any]) -> str:
    client = tp.get("client_cpu_ms_per_job")
    if client is None:
        return ""
    return (
        f" The load generator itself, on the same cores, spent {client['api']:.1f} ms per job "
        f"on the app's side (aiohttp) and {client['sdk']:.1f} ms on the SDK's."
    )


def profile_section(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    lines = [
        "### Where the app's time goes",
        "",
        f"py-spy sampled the gunicorn workers for {profile['seconds']} s (idle threads "
        f"included, so waits count) while one caller ran {profile['jobs']} API echo jobs. "
        "Share of the samples taken inside a request:",
        "",
        "| where | share |",
        "|---|---|",
    ]
    lines += [f"| {name} | {share:.0%} |" for name, share in profile["buckets"].items()]
    lines += [
        "",
        "App functions on the stack (inclusive share of in-request samples):",
        "",
        "| function | share |",
        "|---|---|",
    ]
    lines += [
        f"| `{name.split(' (')[0]}` ({name.split(' (')[-1].rstrip(')')}) | {share:.0%} |"
        for name, share in profile["app_functions"].items()
    ]
    return [*lines, ""]


def read_cpu(http: dict[str, Any]) -> str:
    """Where the job read's CPU goes, web process against PostgreSQL, when it was measured."""
    read, bare = http["GET /api/jobs/<id> (authenticated)"], http["bare Flask handler"]
    if "web_cpu_ms_per_request" not in read:
        return ""
    web_extra = read["web_cpu_ms_per_request"] - bare["web_cpu_ms_per_request"]
    postgres = read["postgres_cpu_ms_per_request"]
    larger = (
        "the web process's Python (SQLAlchemy, psycopg, validation, serialisation)"
        if web_extra > postgres
        else "PostgreSQL"
    )
    return (
        f" Per request the web app spends {read['web_cpu_ms_per_request']:.2f} ms of CPU "
        f"({web_extra:+.2f} ms on the bare handler) and PostgreSQL {postgres:.2f} ms: most of "
        f"the extra is {larger}. The py-spy share of 'psycopg and the wire' in the read-path "
        "section also counts threads waiting for the GIL after their answer arrived."
    )
