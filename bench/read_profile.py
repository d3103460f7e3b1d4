"""Where an authenticated read spends its time: py-spy over the gunicorn workers while wrk
reads one running job (read from the database each time)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench.pyspy import record, request_stacks
from bench.stack import ARTIFACTS, Bench
from bench.wrk import wrk

READ_BUCKETS = (  # a stack counts for the first bucket one of whose markers it holds
    ("pool pre-ping", ("_do_ping", "do_ping", "pre_ping", "_checkout_existing")),
    ("token lookup (authenticate_request)", ("authenticate_request",)),
    ("job row read (owned_job)", ("owned_job",)),
    ("freshness read", ("Freshness.synced_at",)),
    ("response: job_out + pydantic + JSON", ("job_out", "to_response", "pydantic")),
    ("Flask / Werkzeug / gunicorn", ("flask/", "werkzeug/", "gunicorn/")),
)
# The buckets whose database work is split by layer, and the frame that starts that work.
DB_WORK = {READ_BUCKETS[1][0]: "authenticate_request", READ_BUCKETS[2][0]: "owned_job"}
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


def profile_read_path(bench: Bench, seconds: int) -> dict[str, Any]:
    assert bench.stack.web.process is not None
    raw = ARTIFACTS / "read-profile.txt"
    # A running job: its row is read from the database on every request, where a finished
    # one is answered from the process's cache (app/api/finished_jobs.py) after one read.
    with bench.running_job("profile") as job:
        spy = record(bench.stack.web.process.pid, seconds, raw)
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
    for stack, count in request_stacks(raw):
        total += count
        bucket = next((n for n, ms in READ_BUCKETS if any(m in stack for m in ms)), "other")
        buckets[bucket] += count
        if bucket in DB_WORK:
            db_total += count
            layers[_layer(stack.split(DB_WORK[bucket])[-1])] += count
    return {
        "samples": total,
        "buckets": {name: n / max(total, 1) for name, n in buckets.items()},
        "db_layers": {name: n / max(db_total, 1) for name, n in layers.items()},
    }
