"""Where the web app's time goes on the job path: py-spy while one caller runs echo jobs."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bench.jobs import api_client, api_echo
from bench.pyspy import record, request_stacks
from bench.stack import ARTIFACTS, Bench

BUCKETS = (  # a stack counts for the first bucket all of whose markers it holds
    ("GET long poll: waiting for the job's change notification", ("changes.py",)),
    ("Temporal: POST starts the workflow", ("temporal_client.py", "JobTracker.start")),
    ("database (SQLAlchemy + psycopg)", ("sqlalchemy/",)),
    ("database (SQLAlchemy + psycopg)", ("psycopg/",)),
    ("pydantic validation and serialisation", ("pydantic/", "pydantic_core")),
    ("Flask / Werkzeug request handling", ("flask/", "werkzeug/")),
)
OTHER = "other (gunicorn, logging, app code)"


def profile_api_path(bench: Bench, seconds: int) -> dict[str, Any]:
    """Shares of the in-request samples of the gunicorn workers, by bucket and app function."""
    assert bench.stack.web.process is not None
    raw = ARTIFACTS / "web-profile.txt"
    spy = record(bench.stack.web.process.pid, seconds, raw)

    async def drive() -> int:
        done = 0
        async with api_client(bench, 2, 60) as http:
            while spy.poll() is None:
                await api_echo(http, f"profile {done}")
                done += 1
        return done

    jobs = asyncio.run(drive())
    spy.wait()
    request_samples = 0
    buckets: dict[str, int] = dict.fromkeys([*(name for name, _ in BUCKETS), OTHER], 0)
    functions: dict[str, int] = {}
    for stack, count in request_stacks(raw):
        request_samples += count
        bucket = next((n for n, ms in BUCKETS if all(m in stack for m in ms)), OTHER)
        buckets[bucket] += count
        for frame in dict.fromkeys(f for f in stack.split(";") if "(app/" in f):
            function = re.sub(r":\d+\)$", ")", frame)
            functions[function] = functions.get(function, 0) + count
    total = max(request_samples, 1)
    top = sorted(functions.items(), key=lambda item: -item[1])[:12]
    return {
        "seconds": seconds,
        "jobs": jobs,
        "samples_in_requests": request_samples,
        "buckets": {name: n / total for name, n in buckets.items()},
        "app_functions": {name: n / total for name, n in top},
    }
