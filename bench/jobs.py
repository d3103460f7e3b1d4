"""Echo job latency and throughput: the jobs API against the raw Temporal SDK."""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from app.jobs.base import JobContext
from app.jobs.echo import EchoInput, EchoWorkflow
from bench import floor
from bench.footprint import RssSampler, cpu_seconds
from bench.http_load import served
from bench.sides import FLOOR, FLOOR_PROCESS, TWO_REQUESTS
from bench.stack import POSTGRES, Bench
from devstack.api import TERMINAL
from devstack.processes import WebProcess


async def api_echo(
    http: aiohttp.ClientSession, message: str, *, wait_on_start: bool = True
) -> dict[str, Any]:
    """POST /api/jobs?wait=30 (with `wait_on_start`, else without the wait), then
    long-poll GET /api/jobs/<id>?wait=30 until the job is terminal."""
    body = {"type": "echo", "input": {"message": message}}
    params = {"wait": 30} if wait_on_start else {}
    async with http.post("/api/jobs", json=body, params=params) as response:
        job: dict[str, Any] = await response.json()
        retry_after = float(response.headers.get("Retry-After", 0))
    while job["status"] not in TERMINAL:
        if retry_after:  # the web app held no more waits
            await asyncio.sleep(retry_after)
        async with http.get(f"/api/jobs/{job['id']}", params={"wait": 30}) as response:
            job = await response.json()
            retry_after = float(response.headers.get("Retry-After", 0))
    if job["status"] != "succeeded" or job["result"]["message"] != message:
        raise RuntimeError(f"echo job ended {job['status']}: {job}")
    return job


async def sdk_echo(client: Client, task_queue: str, message: str) -> str:
    """The echo workflow run to its end through the SDK; its workflow id."""
    workflow_id = f"bench-sdk-{uuid.uuid4()}"
    result = await client.execute_workflow(
        EchoWorkflow.run,
        args=[JobContext(), EchoInput(message=message)],
        id=workflow_id,
        task_queue=task_queue,
    )
    if result.message != message:
        raise RuntimeError(f"echo workflow returned {result}")
    return workflow_id


async def floor_echo(http: aiohttp.ClientSession, message: str) -> None:
    async with http.post(floor.PATH, json={"message": message}) as response:
        body = await response.json()
    if body.get("message") != message:
        raise RuntimeError(f"the floor's echo answered {response.status}: {body}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def api_client(
    bench: Bench, connections: int, timeout: float, retried: list[int] | None = None
) -> aiohttp.ClientSession:
    """The load generator's HTTP client: aiohttp, whose CPU per request is a fraction of
    httpx's (the throughput table reports the load generator's CPU on each side).
    `retried[0]` counts the answers that carried `Retry-After`: long polls at their limit."""
    traces = []
    if retried is not None:
        trace = aiohttp.TraceConfig()

        async def count(_: object, __: object, sent: aiohttp.TraceRequestEndParams) -> None:
            retried[0] += "Retry-After" in sent.response.headers

        trace.on_request_end.append(count)
        traces.append(trace)
    return aiohttp.ClientSession(
        base_url=bench.stack.url,
        headers=bench.auth,
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=connections),
        trace_configs=traces,
    )


async def job_latency(bench: Bench, samples: int, warmup: int) -> dict[str, Any]:
    client = await Client.connect(bench.temporal.address, data_converter=pydantic_data_converter)
    async with api_client(bench, 4, 60) as http:
        sides: dict[str, Callable[[str], Awaitable[object]]] = {
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


async def throughput_round(
    bench: Bench, side: str, jobs: int, concurrency: int, retried: list[int], floor_url: str
) -> float:
    limit = asyncio.Semaphore(concurrency)
    client = await Client.connect(bench.temporal.address, data_converter=pydantic_data_converter)
    floor_http = aiohttp.ClientSession(
        base_url=floor_url,
        timeout=aiohttp.ClientTimeout(total=120),
        connector=aiohttp.TCPConnector(limit=concurrency),
    )
    async with api_client(bench, concurrency, 120, retried) as http, floor_http:

        async def one(n: int) -> None:
            async with limit:
                if side == "sdk":
                    await sdk_echo(client, bench.task_queue, f"throughput {n}")
                elif side == FLOOR:
                    await floor_echo(floor_http, f"throughput {n}")
                else:
                    await api_echo(http, f"throughput {n}", wait_on_start=side == "api")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(jobs)))
        return jobs / (time.perf_counter() - started)


def job_throughput(bench: Bench, jobs: int, concurrency: int, rounds: int) -> dict[str, Any]:
    """`rounds` rounds per side, alternating which side goes first. Round n of each side
    ran back to back, on the machine as it was then; the ratio is the median of those
    pairs' ratios, so neither the machine's drift nor one slowed round decides it.
    Two more sides, for reference, run each round next to the same SDK round: the app
    started and waited for in two requests, and the floor handler."""
    floor_process = served(bench, "floor", "bench.floor:create_app()")
    floor_process.start()
    try:
        floor_process.wait_healthy()
        return _rounds(bench, jobs, concurrency, rounds, floor_process)
    finally:
        floor_process.stop()


def _rounds(
    bench: Bench, jobs: int, concurrency: int, rounds: int, floor_process: WebProcess
) -> dict[str, Any]:
    assert floor_process.process is not None
    floor_pid = floor_process.process.pid
    sides = ("api", "sdk", TWO_REQUESTS, FLOOR)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    peaks: dict[str, float] = {}
    cpu_ms_per_job: dict[str, dict[str, float]] = {side: {} for side in sides}
    # This process but its sampling thread: the load generator.
    client_ms_per_job = dict.fromkeys(sides, 0.0)
    retried = {side: [0] for side in sides}  # answers with Retry-After
    postmaster = bench.postmaster_pid()
    for n in range(rounds):
        for side in sides if n % 2 == 0 else sides[::-1]:
            client_before, postgres_before = _own_cpu_seconds(), cpu_seconds(postmaster)
            floor_before = cpu_seconds(floor_pid)
            with RssSampler(bench.pids()) as sampler:
                one_round = throughput_round(
                    bench, side, jobs, concurrency, retried[side], floor_process.url
                )
                rates[side].append(asyncio.run(one_round))
            spent_here = _own_cpu_seconds() - client_before - sampler.own_cpu_seconds
            client_ms_per_job[side] += spent_here * 1000 / jobs / rounds
            for name, peak in sampler.peaks_mib.items():
                key = f"{name} [{side}]"
                peaks[key] = max(peaks.get(key, 0.0), peak)
            used = {
                **sampler.cpu_used,
                FLOOR_PROCESS: cpu_seconds(floor_pid) - floor_before,
                POSTGRES: cpu_seconds(postmaster) - postgres_before,
            }
            for name, seconds in used.items():
                spent = cpu_ms_per_job[side].get(name, 0.0) + seconds * 1000 / jobs / rounds
                cpu_ms_per_job[side][name] = spent
    api, sdk = statistics.median(rates["api"]), statistics.median(rates["sdk"])
    pairs = [app / raw for app, raw in zip(rates["api"], rates["sdk"], strict=True)]
    two = [app / raw for app, raw in zip(rates[TWO_REQUESTS], rates["sdk"], strict=True)]
    floor_pairs = [app / raw for app, raw in zip(rates[FLOOR], rates["sdk"], strict=True)]
    return {
        "jobs": jobs,
        "concurrency": concurrency,
        "rounds": rates,
        "api_jobs_per_s": api,
        "sdk_jobs_per_s": sdk,
        "pair_ratios": pairs,
        "ratio": statistics.median(pairs),
        "two_request_jobs_per_s": statistics.median(rates[TWO_REQUESTS]),
        "two_request_pair_ratios": two,
        "two_request_ratio": statistics.median(two),
        "floor_jobs_per_s": statistics.median(rates[FLOOR]),
        "floor_pair_ratios": floor_pairs,
        "floor_ratio": statistics.median(floor_pairs),
        "peak_rss_mib": peaks,
        "cpu_ms_per_job": cpu_ms_per_job,
        "client_cpu_ms_per_job": client_ms_per_job,
        "retry_after_answers": {side: count[0] for side, count in retried.items()},
    }


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
