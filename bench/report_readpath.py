"""The read-path sections of `docs/benchmarks.md`: the list with unfinished jobs, an open
dashboard's requests, and where an authenticated read spends its time, before and after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BEFORE = Path(__file__).resolve().parent / "baselines" / "read_path_before.json"
LIST_P50_GOAL = 2.0


def before() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BEFORE.read_text(encoding="utf-8"))
    return loaded


def summary_rows(results: dict[str, Any]) -> list[str]:
    running = results.get("running_list")
    if not running:
        return []
    runs = running["list"]
    names = list(runs)
    base, busy, blind = runs[names[0]], runs[names[1]], runs[names[2]]
    ok = busy["p50_ratio"] <= LIST_P50_GOAL
    dash = running["dashboard"]
    idle, loaded = dash["0 jobs"], dash[f"{running['jobs']} running jobs"]
    return [
        f"| GET /api/jobs, {running['jobs']} unfinished jobs, p50 | {busy['p50_ms']:.1f} ms | "
        f"{base['p50_ms']:.1f} ms (list with none) | {busy['p50_ratio']:.2f} | "
        f"<= {LIST_P50_GOAL}: {'met' if ok else '**missed**'} |",
        f"| same, from a web app with no reachable Temporal (0 Temporal calls) | "
        f"{blind['requests_per_s']:.0f} req/s, p50 {blind['p50_ms']:.1f} ms | - | - | "
        "every answer 200 |",
        f"| open dashboard, requests/min, {running['jobs']} running jobs | "
        f"{loaded['per_minute']:.1f} | {idle['per_minute']:.1f} (0 jobs) | "
        f"{loaded['per_minute'] / max(idle['per_minute'], 0.1):.2f} | constant |",
    ]


def section(results: dict[str, Any]) -> list[str]:
    lines = ["## The jobs read path", ""]
    old = before()
    running = results.get("running_list")
    if running:
        lines += [
            f"{running['jobs']} `echo` jobs of one account run (each waits 10 minutes) while "
            f"`wrk -t2 -c8 -d{running['seconds']}s` reads `GET /api/jobs?limit=100`; the "
            "baseline is the same list for an account with no jobs, in the same run. The third "
            "row reads through a second web process whose Temporal address answers nothing: "
            "reads never call Temporal, so it answers like the first.",
            "",
            "| list | req/s | p50 | p99 | p50 / list with none |",
            "|---|---|---|---|---|",
        ]
        for name, run in running["list"].items():
            lines.append(
                f"| {name} | {run['requests_per_s']:.0f} | {run['p50_ms']:.1f} ms | "
                f"{run['p99_ms']:.1f} ms | {run['p50_ratio']:.2f} |"
            )
        code = old["from_the_code"]
        lines += [
            "",
            "An open dashboard, emulated by `bench/readpath.py` exactly as "
            "`frontend/src/jobs/useJobUpdates.ts` runs it (one long-polled list request at a "
            "time, `wait=25`, at most one a second), counted over "
            f"{running.get('dashboard_seconds', 60):.0f} s each:",
            "",
            "| dashboard | requests/min now | before (from the code) |",
            "|---|---|---|",
            f"| 0 jobs | {running['dashboard']['0 jobs']['per_minute']:.1f} | "
            f"{code['dashboard_requests_per_minute_0_jobs']} |",
            f"| {running['jobs']} running jobs | "
            f"{running['dashboard'][str(running['jobs']) + ' running jobs']['per_minute']:.1f} | "
            f"{code['dashboard_requests_per_minute_200_running']} |",
            "",
            f"Before: {code['why']}; so every list call made "
            f"{code['list_temporal_calls_with_200_unfinished']} Temporal calls.",
            "",
        ]
    profile = results.get("read_profile")
    if profile:
        was = old["read_profile"]
        lines += [
            "### Where an authenticated read spends its time",
            "",
            f"py-spy (idle threads included, so waits on PostgreSQL count) over the gunicorn "
            f"workers while `wrk -c8` read one finished job for {profile['seconds']} s. Share "
            "of the in-request samples; before is the same measurement at the previous read "
            f"path ({was['measured']}).",
            "",
            "| where | before | after |",
            "|---|---|---|",
        ]
        for name, share in profile["buckets"].items():
            lines.append(f"| {name} | {was['buckets'].get(name, 0):.0%} | {share:.0%} |")
        lines += [
            "",
            "Inside the token lookup and the job read, by cause:",
            "",
            "| layer | before | after |",
            "|---|---|---|",
        ]
        for name, share in profile["db_layers"].items():
            lines.append(f"| {name} | {was['db_layers'].get(name, 0):.0%} | {share:.0%} |")
        lines += [
            "",
            "Before, a read took two pool checkouts (each pre-pinged: a `SELECT 1` round trip) "
            "and two transactions (BEGIN and COMMIT round trips) around its two queries: eight "
            "round trips. Now one connection per request, in autocommit, serves the token "
            "lookup and the job read: one pre-ping and two queries. The ORM and "
            "serialisation were never the cost.",
            "",
        ]
    return lines
