"""Run every benchmark once against real processes and write `docs/benchmarks.md`.

The stack is the one the tests use (tests/support): a throwaway PostgreSQL, the
Temporal dev server, the worker (`temporal_server.py`) and the web app under gunicorn,
all on free ports. The raw-SDK baseline uses the same dev server, the same worker and
the same task queue, so the only difference is the path through the web app.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from app.jobs.base import JobContext
from app.jobs.echo import EchoInput, EchoWorkflow
from app.migrate import migrate
from app.settings import Settings
from devstack.accounts import PASSWORD, new_email
from devstack.ports import free_port
from devstack.postgres import PostgresServer
from devstack.processes import ROOT, WebProcess
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until

ARTIFACTS = ROOT / "artifacts" / "bench"
TERMINAL = {"succeeded", "failed", "cancelled"}


@dataclass
class Bench:
    """The processes under test and a signed-up API account."""

    root: Path
    postgres: PostgresServer
    temporal: TemporalDevServer
    stack: Stack
    token: str
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def task_queue(self) -> str:
        return self.stack.env["TEMPORAL_TASK_QUEUE"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def pids(self) -> dict[str, int]:
        assert self.stack.web.process and self.stack.worker.process and self.temporal.process
        return {
            "web app (gunicorn, 2 workers x 4 threads)": self.stack.web.process.pid,
            "worker (temporal_server.py)": self.stack.worker.process.pid,
            "Temporal dev server": self.temporal.process.pid,
        }


@contextmanager
def running_stack() -> Iterator[Bench]:
    root = Path(tempfile.mkdtemp(prefix="bench-"))
    # Not under `root`: mkdtemp's folder is private, and PostgreSQL runs as `postgres`.
    postgres = PostgresServer.create(
        Path(tempfile.gettempdir()) / f"bench-pg-{uuid.uuid4().hex[:8]}"
    )
    postgres.start()
    temporal = TemporalDevServer(root=root / "temporal")
    stack: Stack | None = None
    try:
        url = postgres.create_database("bench")
        temporal.start()
        base = {
            "APP_ENV": "test",
            "APP_ENV_FILE": "/nonexistent/.env",
            "DATABASE_URL": url,
            "TEMPORAL_SERVER_ADDRESS": temporal.address,
            "DATA_DIR": str(root / "data"),
            "FRONTEND_DIST": str(root / "no-frontend"),
            "SMTP_PORT": str(free_port()),
            "HEALTHCHECK_INTERVAL_SECONDS": "3600",
            "REMINDER_INTERVAL_SECONDS": "86400",
            "LOG_LEVEL": "WARNING",
            # Room for the read-path benchmark's 200 running jobs beside the others.
            "WORKER_MAX_CONCURRENT_ACTIVITIES": "300",
        }
        env = process_env(base)
        migrate(Settings(_env_file=None, database_url=url, app_env="test"))
        stack = Stack.start(env, root / "logs")
        response = httpx.post(
            f"{stack.url}/api/auth/signup",
            json={"email": new_email(), "password": PASSWORD},
            timeout=30,
        )
        response.raise_for_status()
        yield Bench(root, postgres, temporal, stack, response.json()["token"])
    finally:
        if stack is not None:
            stack.stop()
        temporal.stop()
        postgres.destroy()
        shutil.rmtree(root, ignore_errors=True)


# --- job latency and throughput: the API against the raw SDK ------------------------


async def api_echo(http: httpx.AsyncClient, message: str) -> None:
    """POST /api/jobs, then long-poll GET /api/jobs/<id>?wait=30 until it is terminal."""
    response = await http.post("/api/jobs", json={"type": "echo", "input": {"message": message}})
    job = response.json()
    while job["status"] not in TERMINAL:
        job = (await http.get(f"/api/jobs/{job['id']}", params={"wait": 30})).json()
    if job["status"] != "succeeded" or job["result"]["message"] != message:
        raise RuntimeError(f"echo job ended {job['status']}: {job}")


async def sdk_echo(client: Client, task_queue: str, message: str) -> None:
    result = await client.execute_workflow(
        EchoWorkflow.run,
        args=[JobContext(), EchoInput(message=message)],
        id=f"bench-sdk-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    if result.message != message:
        raise RuntimeError(f"echo workflow returned {result}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def job_latency(bench: Bench, samples: int, warmup: int) -> dict[str, Any]:
    client = await Client.connect(bench.temporal.address, data_converter=pydantic_data_converter)
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with httpx.AsyncClient(
        base_url=bench.stack.url, headers=bench.auth, timeout=60, limits=limits
    ) as http:
        sides: dict[str, Callable[[str], Awaitable[None]]] = {
            "api": lambda m: api_echo(http, m),
            "sdk": lambda m: sdk_echo(client, bench.task_queue, m),
        }
        timings: dict[str, list[float]] = {"api": [], "sdk": []}
        for n in range(warmup + samples):
            # Alternate which side goes first, so neither always follows the other.
            order = ("api", "sdk") if n % 2 == 0 else ("sdk", "api")
            for side in order:
                started = time.perf_counter()
                await sides[side](f"latency {side} {n}")
                if n >= warmup:
                    timings[side].append((time.perf_counter() - started) * 1000)
    summary = {
        side: {
            "p50_ms": percentile(values, 50),
            "p90_ms": percentile(values, 90),
            "p99_ms": percentile(values, 99),
            "mean_ms": statistics.fmean(values),
            "samples": len(values),
        }
        for side, values in timings.items()
    }
    return {
        **summary,
        "ratio_p50": summary["api"]["p50_ms"] / summary["sdk"]["p50_ms"],
        "ratio_p99": summary["api"]["p99_ms"] / summary["sdk"]["p99_ms"],
        "raw_ms": timings,
    }


async def throughput_round(bench: Bench, side: str, jobs: int, concurrency: int) -> float:
    limit = asyncio.Semaphore(concurrency)
    client = await Client.connect(bench.temporal.address, data_converter=pydantic_data_converter)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=bench.stack.url, headers=bench.auth, timeout=120, limits=limits
    ) as http:

        async def one(n: int) -> None:
            async with limit:
                if side == "api":
                    await api_echo(http, f"throughput {n}")
                else:
                    await sdk_echo(client, bench.task_queue, f"throughput {n}")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(jobs)))
        return jobs / (time.perf_counter() - started)


def job_throughput(bench: Bench, jobs: int, concurrency: int, rounds: int) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"api": [], "sdk": []}
    peaks: dict[str, float] = {}
    cpu_ms_per_job: dict[str, dict[str, float]] = {"api": {}, "sdk": {}}
    for n in range(rounds):
        for side in ("api", "sdk") if n % 2 == 0 else ("sdk", "api"):
            with RssSampler(bench.pids()) as sampler:
                rates[side].append(asyncio.run(throughput_round(bench, side, jobs, concurrency)))
            for name, peak in sampler.peaks_mib.items():
                key = f"{name} [{side}]"
                peaks[key] = max(peaks.get(key, 0.0), peak)
            for name, used in sampler.cpu_used.items():
                spent = cpu_ms_per_job[side].get(name, 0.0) + used * 1000 / jobs / rounds
                cpu_ms_per_job[side][name] = spent
    api, sdk = statistics.fmean(rates["api"]), statistics.fmean(rates["sdk"])
    return {
        "jobs": jobs,
        "concurrency": concurrency,
        "rounds": rates,
        "api_jobs_per_s": api,
        "sdk_jobs_per_s": sdk,
        "ratio": api / sdk,
        "peak_rss_mib": peaks,
        "cpu_ms_per_job": cpu_ms_per_job,
    }


# --- footprint ----------------------------------------------------------------------


def rss_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and all its children, in MiB."""
    process = psutil.Process(pid)
    rss = pss = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        rss += info.rss
        pss += info.pss
    return rss / 2**20, pss / 2**20


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far."""
    process = psutil.Process(pid)
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class RssSampler:
    """Samples the RSS of each process tree every 0.2 s while a run goes on, and the CPU
    time each spent over the run."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peaks_mib: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.cpu_start = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.cpu_used: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peaks_mib[name] = max(self.peaks_mib[name], rss_mib(pid)[0])
            self._stop.wait(0.2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_used = {
            name: cpu_seconds(pid) - self.cpu_start[name] for name, pid in self.pids.items()
        }


def idle_footprint(bench: Bench) -> dict[str, dict[str, float]]:
    footprint = {}
    for name, pid in bench.pids().items():
        rss, pss = rss_mib(pid)
        footprint[name] = {"rss_mib": rss, "pss_mib": pss}
    return footprint


# --- HTTP under wrk -----------------------------------------------------------------


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rate = WRK_RATE.search(output)
    if rate is None or "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk against {url} did not get clean 200s:\n{output}")
    latency = {f"p{p}_ms": float(v) * UNITS_MS[u] for p, v, u in WRK_PERCENTILE.findall(output)}
    return {"requests_per_s": float(rate.group(1)), **latency}


def http_load(bench: Bench, seconds: int, rounds: int, connections: int) -> dict[str, Any]:
    bare_env = {**bench.stack.env, "WEB_PORT": str(free_port())}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c",
        "python:app.gunicorn_conf",
        "bench.bare:create_app()",
    ]
    bare = WebProcess(
        "bare", command, bare_env, bench.root / "logs" / "bare.log", port=int(bare_env["WEB_PORT"])
    )
    bare.start()
    try:
        bare.wait_healthy()
        job = httpx.post(
            f"{bench.stack.url}/api/jobs",
            json={"type": "echo", "input": {"message": "http"}},
            headers=bench.auth,
        ).json()
        httpx.get(
            f"{bench.stack.url}/api/jobs/{job['id']}", params={"wait": 30}, headers=bench.auth
        ).raise_for_status()
        targets = {
            "bare Flask handler": (f"{bare.url}/api/health", {}),
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
    summary: dict[str, Any] = {}
    for name, results in runs.items():
        summary[name] = {
            key: statistics.fmean(r[key] for r in results)
            for key in results[0]
            if key in results[0]
        }
    baseline = summary["bare Flask handler"]["requests_per_s"]
    for values in summary.values():
        values["ratio"] = values["requests_per_s"] / baseline
    return {"connections": connections, "seconds": seconds, "rounds": rounds, **summary}


# --- where the web app's time goes -------------------------------------------------

BUCKETS = (  # a stack counts for the first bucket all of whose markers it holds
    ("GET long poll: waiting for the job's change notification", ("changes.py",)),
    ("Temporal: POST starts the workflow", ("temporal_client.py", "JobTracker.start")),
    ("database (SQLAlchemy + psycopg)", ("sqlalchemy/",)),
    ("database (SQLAlchemy + psycopg)", ("psycopg/",)),
    ("pydantic validation and serialisation", ("pydantic/", "pydantic_core")),
    ("Flask / Werkzeug request handling", ("flask/", "werkzeug/")),
)


def profile_api_path(bench: Bench, seconds: int) -> dict[str, Any]:
    """py-spy on the gunicorn workers (idle threads included, so waits show) while one
    caller runs the API latency loop; shares of the samples taken inside a request."""
    assert bench.stack.web.process is not None
    raw = ARTIFACTS / "web-profile.txt"
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--idle",
            "--nonblocking",
            "--subprocesses",
            "--pid",
            str(bench.stack.web.process.pid),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    async def drive() -> int:
        done = 0
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        async with httpx.AsyncClient(
            base_url=bench.stack.url, headers=bench.auth, timeout=60, limits=limits
        ) as http:
            while spy.poll() is None:
                await api_echo(http, f"profile {done}")
                done += 1
        return done

    jobs = asyncio.run(drive())
    spy.wait()
    request_samples = 0
    buckets: dict[str, int] = dict.fromkeys((name for name, _ in BUCKETS), 0)
    buckets["other (gunicorn, logging, app code)"] = 0
    functions: dict[str, int] = {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit() or "wsgi_app" not in stack:
            continue
        count = int(count_text)
        request_samples += count
        for name, markers in BUCKETS:
            if all(marker in stack for marker in markers):
                buckets[name] += count
                break
        else:
            buckets["other (gunicorn, logging, app code)"] += count
        seen = set()
        for frame in stack.split(";"):
            if "(app/" in frame and frame not in seen:
                function = re.sub(r":\d+\)$", ")", frame)
                seen.add(frame)
                functions[function] = functions.get(function, 0) + count
    total = max(request_samples, 1)
    return {
        "seconds": seconds,
        "jobs": jobs,
        "samples_in_requests": request_samples,
        "buckets": {name: n / total for name, n in buckets.items()},
        "app_functions": dict(
            sorted(((f, n / total) for f, n in functions.items()), key=lambda x: -x[1])[:12]
        ),
    }


# --- start-up of `make run` ---------------------------------------------------------


def make_run_startup(runs: int) -> dict[str, Any]:
    """Seconds from `make run` to the first 200 from /api/ready, on this warm checkout."""
    timings = []
    for n in range(runs + 1):  # the first run warms the checkout (var/, migrations)
        ports = {
            name: str(free_port())
            for name in (
                "WEB_PORT",
                "TEMPORAL_PORT",
                "TEMPORAL_UI_PORT",
                "WORKER_HEALTH_PORT",
                "WORKER_METRICS_PORT",
                "SMTP_PORT",
            )
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "TEMPORAL_"))}
        log = (ARTIFACTS / f"make-run-{n}.log").open("wb")
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
            wait_until(
                lambda url=ready: httpx.get(url, timeout=2).status_code == 200,  # type: ignore[misc]
                180,
                "make run to be ready",
            )
            elapsed = time.perf_counter() - started
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
        if n > 0:
            timings.append(elapsed)
    return {
        "runs": timings,
        "median_s": statistics.median(timings),
        "command": "WEB_PORT=... TEMPORAL_PORT=... (free ports) make run",
    }


# --- putting it together ------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    temporal_cli = subprocess.run(
        [str(Path(sys.executable).parent / "temporal"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    import gunicorn
    import temporalio

    return {
        "cores": str(os.cpu_count()),
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "cpu": cpu,
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "temporalio": temporalio.__version__,
        "temporal_cli": temporal_cli,
        "gunicorn": gunicorn.__version__,
        "wrk": subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0],
    }


SECTIONS = ("latency", "throughput", "http", "profile", "read-profile", "list", "startup")
# What issue 12's section of docs/benchmarks.md reports; a partial run of these writes it too.
READ_PATH_SECTIONS = {"latency", "throughput", "http", "read-profile", "list"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small samples, to try the script")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)}); "
        "the page is written only when all run, else artifacts/bench/results.json",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    only = set(args.only.split(","))
    if only - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(only - set(SECTIONS)))}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "quick": quick}
    flags = (["--quick"] if quick else []) + (
        [f"--only {args.only}"] if only != set(SECTIONS) else []
    )
    results["command"] = "make bench" + (f" BENCH_ARGS='{' '.join(flags)}'" if flags else "")
    started = time.perf_counter()
    with running_stack() as bench:
        from bench.readpath import list_with_running, profile_read_path

        wait_until(lambda: idle_footprint(bench), 10, "process footprints")
        results["idle_footprint"] = idle_footprint(bench)
        if "latency" in only:
            print("latency ...", flush=True)
            results["latency"] = asyncio.run(
                job_latency(bench, samples=40 if quick else 300, warmup=10 if quick else 30)
            )
        if "throughput" in only:
            print("throughput ...", flush=True)
            results["throughput"] = job_throughput(
                bench, jobs=100 if quick else 500, concurrency=50, rounds=2
            )
            results["idle_after_load_footprint"] = idle_footprint(bench)
        if "http" in only:
            print("http ...", flush=True)
            results["http"] = http_load(bench, seconds=3 if quick else 8, rounds=2, connections=16)
        if "profile" in only:
            print("profile of the API path ...", flush=True)
            results["profile"] = profile_api_path(bench, seconds=8 if quick else 20)
        if "read-profile" in only:
            print("profile of the authenticated read ...", flush=True)
            results["read_profile"] = profile_read_path(bench, seconds=5 if quick else 10)
        if "list" in only:
            print("list and dashboard with running jobs ...", flush=True)
            results["running_list"] = list_with_running(
                bench, seconds=3 if quick else 8, dashboard_seconds=20 if quick else 60
            )
    if "startup" in only:
        print("make run start-up ...", flush=True)
        results["startup"] = make_run_startup(runs=1 if quick else 3)
    results["wall_seconds"] = time.perf_counter() - started
    (ARTIFACTS / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if only & READ_PATH_SECTIONS:
        from bench.report_readpath import SECTION, markdown
        from bench.sections import write_section

        write_section(SECTION, markdown(results))
        print(f"wrote the {SECTION} section of docs/benchmarks.md")
    if only != set(SECTIONS):
        print(f"partial run ({', '.join(sorted(only))}): wrote {ARTIFACTS / 'results.json'}")
        return 0
    from bench.report import write_report

    write_report(results, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "benchmarks.png")
    print(f"wrote docs/benchmarks.md and docs/benchmarks.png in {results['wall_seconds']:.0f} s")
    return 0
