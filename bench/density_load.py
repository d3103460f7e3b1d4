"""The density benchmark's load: client connections that send the app's queries, what they
saw, and how many connections the server held meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import psycopg


@dataclass
class Load:
    """What the clients saw: per-query latencies (seconds), refusals and errors."""

    latencies: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # each client's first query of its turn
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    clients_that_queried: int = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

        return {
            "queries": len(ordered),
            "queries_per_second": len(ordered) / seconds if seconds else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "p90_ms": pct(0.90),
            "max_ms": ordered[-1] * 1000 if ordered else 0.0,
            "mean_ms": statistics.fmean(ordered) * 1000 if ordered else 0.0,
            "first_query_p50_ms": statistics.median(self.first) * 1000 if self.first else 0.0,
            "first_query_max_ms": max(self.first) * 1000 if self.first else 0.0,
            "refused": self.refused,
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            "clients_that_queried": self.clients_that_queried,
            "seconds": seconds,
        }


async def open_clients(
    urls: list[str], load: Load, at_once: int
) -> list[psycopg.AsyncConnection[Any]]:
    gate = asyncio.Semaphore(at_once)
    opened: list[psycopg.AsyncConnection[Any]] = []

    async def one(url: str) -> None:
        async with gate:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    url, prepare_threshold=None, connect_timeout=30
                )
            except psycopg.OperationalError as error:
                load.refused += 1
                load.errors.append(str(error).strip().splitlines()[-1])
                return
            opened.append(connection)

    await asyncio.gather(*(one(url) for url in urls))
    return opened


async def busy(
    connections: list[psycopg.AsyncConnection[Any]],
    seconds: float,
    interval: float,
    queries: list[tuple[str, dict[str, Any]]],
    load: Load,
) -> None:
    """Every connection sends the queries once per `interval` (random phase) for `seconds`."""

    async def client(connection: psycopg.AsyncConnection[Any]) -> None:
        end = time.monotonic() + seconds
        await asyncio.sleep(random.uniform(0, interval))  # noqa: S311  (spread, not secrecy)
        ran = 0
        while time.monotonic() < end:
            tick = time.monotonic()
            for text, params in queries:
                started = time.perf_counter()
                try:
                    await (await connection.execute(text, params)).fetchall()
                    await connection.commit()
                except psycopg.Error as error:
                    load.errors.append(str(error).strip().splitlines()[0])
                    return
                load.latencies.append(time.perf_counter() - started)
                if ran == 0:
                    load.first.append(load.latencies[-1])
                ran += 1
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - tick)))
        if ran:
            load.clients_that_queried += 1

    await asyncio.gather(*(client(c) for c in connections))


async def later(delay: float, work: Awaitable[None]) -> None:
    await asyncio.sleep(delay)
    await work


class ServerConnections:
    """Samples the server's client backends (what PgBouncer and the clients hold)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.samples: list[int] = []
        self._stop = asyncio.Event()

    async def run(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.admin_url, autocommit=True) as c:
            while not self._stop.is_set():
                row = await (
                    await c.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                        "'client backend' AND pid <> pg_backend_pid()"
                    )
                ).fetchone()
                self.samples.append(int(row[0]) if row else 0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.2)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        samples = self.samples or [0]
        return {"max": max(samples), "mean": statistics.fmean(samples)}
