"""Run every benchmark once against real processes and write `docs/benchmarks.md`.

Each phase's results are written as soon as it finishes (`artifacts/bench/results.json`, and
the page's sections it measured); a phase that fails is reported as failed and the others
still run and are written.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench import latency_hops
from bench.api_profile import profile_api_path
from bench.footprint import idle_footprint
from bench.http_load import http_load
from bench.jobs import job_latency, job_throughput
from bench.latency_hops import measure_hops
from bench.machine import machine
from bench.phases import Recorder
from bench.read_profile import profile_read_path
from bench.report import write_report
from bench.report_readpath import SECTION, markdown
from bench.running_list import list_with_running
from bench.sections import write_section
from bench.stack import ARTIFACTS, Bench, running_stack
from bench.startup import make_run_startup
from devstack.processes import ROOT
from devstack.waiting import wait_until

# Phase name -> the results key it writes.
PHASES = {
    "latency": "latency",
    "throughput": "throughput",
    "http": "http",
    "profile": "profile",
    "read-profile": "read_profile",
    "list": "running_list",
    "hops": "hops",
    "startup": "startup",
}
# What issue 12's section of docs/benchmarks.md reports; a partial run of these writes it too.
READ_PATH_PHASES = {"latency", "throughput", "http", "read-profile", "list"}


def stack_phases(quick: bool) -> dict[str, Callable[[Bench], Any]]:
    """The phases that measure the running stack, in the order they run."""

    def throughput(bench: Bench) -> dict[str, Any]:
        jobs = 100 if quick else 500
        result = job_throughput(bench, jobs=jobs, concurrency=50, rounds=3 if quick else 5)
        result["idle_after_load_footprint"] = idle_footprint(bench.pids())
        return result

    return {
        "latency": lambda bench: asyncio.run(
            job_latency(bench, samples=40 if quick else 300, warmup=10 if quick else 30)
        ),
        "throughput": throughput,
        "http": lambda bench: http_load(bench, seconds=3 if quick else 8, rounds=2, connections=16),
        "profile": lambda bench: profile_api_path(bench, seconds=8 if quick else 20),
        "read-profile": lambda bench: profile_read_path(bench, seconds=5 if quick else 10),
        "list": lambda bench: list_with_running(
            bench, seconds=3 if quick else 8, dashboard_seconds=20 if quick else 60
        ),
        "hops": lambda bench: measure_hops(bench, samples=20 if quick else 100),
    }


def write_sections(results: dict[str, Any]) -> None:
    """The sections of docs/benchmarks.md whose phases have results in this run."""
    if any(PHASES[name] in results for name in READ_PATH_PHASES):
        write_section(SECTION, markdown(results))
    if "hops" in results:
        write_section(latency_hops.SECTION, latency_hops.markdown(results))


def _exit(signum: int, _frame: object) -> None:
    """SIGTERM (a `kill`, a CI job cancelled) ends the run as Ctrl-C does: the stack's
    context managers then stop PostgreSQL, Temporal, the worker and gunicorn, which
    Python's default SIGTERM death left running."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small samples, to try the script")
    parser.add_argument(
        "--only",
        default=",".join(PHASES),
        help=f"comma-separated phases to run (default all: {','.join(PHASES)}); the whole "
        "page is written only when all run, else the sections measured and results.json",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _exit)
    only = [name for name in PHASES if name in set(args.only.split(","))]
    if unknown := set(args.only.split(",")) - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    flags = (["--quick"] if args.quick else []) + (
        [f"--only {args.only}"] if set(only) != set(PHASES) else []
    )
    command = "make bench" + (f" BENCH_ARGS='{' '.join(flags)}'" if flags else "")
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "command": command}
    results["asked"] = only
    recorder = Recorder(ARTIFACTS / "results.json", results, write_sections)
    started = time.perf_counter()
    with running_stack() as bench:
        wait_until(lambda: idle_footprint(bench.pids()), 10, "process footprints")
        results["idle_footprint"] = idle_footprint(bench.pids())
        for name, measure in stack_phases(args.quick).items():
            if name in only:
                recorder.phase(name, PHASES[name], partial(measure, bench))
    if "startup" in only:
        recorder.phase("startup", "startup", lambda: make_run_startup(runs=1 if args.quick else 3))
    results["wall_seconds"] = time.perf_counter() - started
    recorder.write()
    print(f"wrote {recorder.path} and the sections of docs/benchmarks.md it measured")
    if recorder.failed:
        print(f"failed phases: {', '.join(recorder.failed)}; the others are written")
        return 1
    if set(only) == set(PHASES):
        write_report(results, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "benchmarks.png")
        print(
            f"wrote docs/benchmarks.md and docs/benchmarks.png in {results['wall_seconds']:.0f} s"
        )
    return 0
