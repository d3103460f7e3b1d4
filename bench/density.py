"""`make bench-density`: 100 previews on one PostgreSQL (max_connections = 50) through PgBouncer.

One run, real parts: a PostgreSQL 15 with `max_connections = 50`, Debian's PgBouncer configured
by envctl (`envctl/database/pooler.py`), 100 previews' databases and roles provisioned by envctl
(clones of a migrated seed, `--db-template`), and a load generator that opens every preview's
whole client budget (16 each: 1,600 connections) and sends the app's own queries (the token
lookup of every authenticated request, the job read of `GET /api/jobs/<id>`), each in its own
transaction as the app runs them. The baseline is the same per-preview load sent straight to
PostgreSQL for the 3 previews that fit there (3 x 16 = 48 of 50, 2 reserved for superusers).

A server connection belongs to one database, so the server holds one per preview that is in a
transaction (or was, within server_idle_timeout). The pooled run therefore keeps all 1,600
connections open for the whole run and lets previews take turns being busy, `--busy` at a
time, so every preview and every connection runs queries; the direct run keeps its 3 busy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import statistics
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.dialects.postgresql import psycopg as pg_dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from app.api.jobs import owned_job_query
from app.auth.tokens import _digest, token_lookup
from app.db import utcnow
from app.migrate import upgrade
from app.models import Account, AuthToken, Job
from bench.sections import write_section
from devstack.pgbouncer import PgBouncer
from devstack.postgres import PostgresServer
from devstack.processes import ROOT
from envctl.database.budget import connection_budget
from envctl.database.pooler import admit_pooler
from envctl.database.provision import provision
from envctl.database.target import AdminTarget
from envctl.manifests.render import build_objects
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment

ARTIFACTS = ROOT / "artifacts" / "bench"
MAX_CONNECTIONS = 50
SUPERUSER_RESERVED = 2
SEED = "seed_density"
TOKEN = "density-" + "t" * 40
JOB_ID = str(uuid.UUID(int=1))


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


def raise_file_limit(needed: int) -> int:
    """Every client connection is a descriptor here and in PgBouncer: soft limit up to hard."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(
            f"the file descriptor hard limit is {hard}; this benchmark needs {needed} "
            "(raise it: ulimit -Hn, or LimitNOFILE for the CI runner)"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return int(hard)


def compiled(statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """The app's SQLAlchemy statement as the SQL and parameters psycopg sends."""
    query = statement.compile(dialect=pg_dialect.dialect())  # type: ignore[no-untyped-call]
    return str(query), dict(query.params)


def make_seed(server: PostgresServer) -> int:
    """A migrated database with one account, its token and one job: what previews clone."""
    url = server.create_database(SEED).replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        account = Account(email="density@example.com", password_hash="-")  # noqa: S106  (no login)
        session.add(account)
        session.flush()
        session.add(
            AuthToken(
                account_id=account.id,
                token_hash=_digest(TOKEN),
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        session.add(Job(id=JOB_ID, owner_id=account.id, type="echo", status="succeeded", input={}))
        account_id = account.id
    engine.dispose()
    return account_id


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


async def measure(
    args: argparse.Namespace,
    server: PostgresServer,
    bouncer: PgBouncer,
    previews: list[tuple[str, str]],
    queries: list[tuple[str, dict[str, Any]]],
    budget: int,
) -> dict[str, Any]:
    results: dict[str, Any] = {}

    # Direct: the 3 previews that fit, each with its whole budget, busy; half of it before
    # the pooled run and half after, so a change in the shared machine's load hits both sides.
    direct = Load()
    direct_urls = [
        server.url(name, user=name, password=password)
        for name, password in previews[: args.direct_previews]
        for _ in range(budget)
    ]
    direct_servers: list[dict[str, float]] = []
    direct_seconds = [0.0]

    async def run_direct() -> None:
        connections = await open_clients(direct_urls, direct, args.connect_at_once)
        # After the clients: the sampler (a superuser) then takes a reserved slot, not theirs.
        sampler = ServerConnections(server.url())
        sampling = asyncio.create_task(sampler.run())
        started = time.monotonic()
        await busy(connections, args.direct_seconds / 2, args.interval, queries, direct)
        direct_seconds[0] += time.monotonic() - started
        for connection in connections:
            await connection.close()
        direct_servers.append(sampler.stop())
        await sampling

    await run_direct()

    # Pooled: every preview's whole budget through PgBouncer, open for the whole run.
    pooled = Load()
    sampler = ServerConnections(server.url())  # before the clients: PgBouncer's room is ours
    sampling = asyncio.create_task(sampler.run())
    opened_at = time.monotonic()
    by_preview = []
    for name, password in previews:
        url = bouncer.url(name, name, password)
        by_preview.append(await open_clients([url] * budget, pooled, args.connect_at_once))
    results["connect_seconds"] = time.monotonic() - opened_at
    results["open_client_connections"] = sum(len(c) for c in by_preview)
    results["server_connections_while_opening"] = sampler.stop()
    await sampling
    sampler = ServerConnections(server.url())
    sampling = asyncio.create_task(sampler.run())
    step = args.turn_seconds / args.busy
    started = time.monotonic()
    await asyncio.gather(
        *(
            later(i * step, busy(c, args.turn_seconds, args.interval, queries, pooled))
            for i, c in enumerate(by_preview)
        )
    )
    results["pooled"] = pooled.summary(time.monotonic() - started)
    results["pooled"]["server_connections"] = sampler.stop()
    await sampling
    for connections in by_preview:
        for connection in connections:
            await connection.close()
    clients = direct.clients_that_queried
    direct.clients_that_queried = 0
    await run_direct()
    direct.clients_that_queried = max(clients, direct.clients_that_queried)
    results["direct"] = direct.summary(direct_seconds[0])
    results["direct"]["server_connections"] = {
        "max": max(d["max"] for d in direct_servers),
        "mean": statistics.fmean(d["mean"] for d in direct_servers),
    }
    return results


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    d, p = results["direct"], results["pooled"]
    ratio50 = p["p50_ms"] / d["p50_ms"] if d["p50_ms"] else float("nan")
    ratio99 = p["p99_ms"] / d["p99_ms"] if d["p99_ms"] else float("nan")
    met = p["refused"] == 0 and p["errors"] == 0 and ratio99 < 3 and results["previews"] == 100
    pooler = results["pooler"]
    rows = [
        "## Density: 100 previews on one PostgreSQL through PgBouncer",
        "",
        "Generated by `make bench-density` (`bench/density.py`), one run: PostgreSQL "
        f"{results['postgres_version']} with `max_connections = {MAX_CONNECTIONS}` "
        f"(`superuser_reserved_connections = {SUPERUSER_RESERVED}`), "
        f"{results['pgbouncer_version']} "
        "from Debian configured by `envctl/database/pooler.py` (transaction pooling, "
        "fallback `*` entry, "
        f"`auth_query`), {results['previews']} previews provisioned by envctl "
        f"({results['provision_seconds']:.1f} s, clones of a migrated seed). Each client sends "
        "the token lookup and the job read, each in its own transaction, once every "
        f"{args.interval * 1000:.0f} ms. Direct: {args.direct_previews} previews x "
        f"{results['budget']} connections to PostgreSQL, all busy for {args.direct_seconds:.0f} s "
        "(half before the pooled run, half after). "
        f"Pooled: all {results['open_client_connections']} connections stay open; previews take "
        f"turns of {args.turn_seconds:.0f} s, {args.busy} busy at a time, so every connection "
        "runs queries.",
        "",
        f"| | direct ({args.direct_previews} previews) | pooled ({results['previews']} previews) "
        "| ratio |",
        "|---|---|---|---|",
        f"| client connections | {args.direct_previews * results['budget']} | "
        f"{results['open_client_connections']} | - |",
        f"| refused connections | {d['refused']} | {p['refused']} | - |",
        f"| query errors | {d['errors']} | {p['errors']} | - |",
        f"| clients that ran queries | {d['clients_that_queried']} | "
        f"{p['clients_that_queried']} | - |",
        f"| queries | {d['queries']} | {p['queries']} | - |",
        f"| queries/s | {d['queries_per_second']:.0f} | {p['queries_per_second']:.0f} | "
        f"{p['queries_per_second'] / d['queries_per_second']:.2f} |",
        f"| p50 | {d['p50_ms']:.2f} ms | {p['p50_ms']:.2f} ms | {ratio50:.2f} |",
        f"| p90 | {d['p90_ms']:.2f} ms | {p['p90_ms']:.2f} ms | - |",
        f"| p99 | {d['p99_ms']:.2f} ms | {p['p99_ms']:.2f} ms | {ratio99:.2f} |",
        f"| max | {d['max_ms']:.0f} ms | {p['max_ms']:.0f} ms | - |",
        f"| server connections (max / mean) | {d['server_connections']['max']} / "
        f"{d['server_connections']['mean']:.1f} | {p['server_connections']['max']} / "
        f"{p['server_connections']['mean']:.1f} | - |",
        f"| server connections while opening the clients (max) | - | "
        f"{results['server_connections_while_opening']['max']} | - |",
        f"| first query of a client's turn (p50 / max) | {d['first_query_p50_ms']:.2f} / "
        f"{d['first_query_max_ms']:.0f} ms | {p['first_query_p50_ms']:.2f} / "
        f"{p['first_query_max_ms']:.0f} ms | - |",
        "",
        f"Goal (100 previews, none refused, p99 < 3x direct): **{'met' if met else 'NOT met'}**. "
        f"PgBouncer: `default_pool_size = {pooler['default_pool_size']}`, `max_db_connections = "
        f"{pooler['max_db_connections']}`, `server_idle_timeout = "
        f"{pooler['server_idle_timeout_seconds']:g}`, `max_client_conn = "
        f"{pooler['max_client_conn']}`. Opening the 1,600 connections took "
        f"{results['connect_seconds']:.1f} s (SCRAM per connection). The machine is shared: 2 "
        f"cores, load average {results['load_average'][0]:.0f} at the start and "
        f"{results['load_average'][1]:.0f} at the end, everything here under `nice -n 10`, so "
        "the absolute latencies are mostly waiting for a CPU; read the ratios.",
    ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previews", type=int, default=100)
    parser.add_argument("--direct-previews", type=int, default=3)
    # As many busy at a time as direct mode can hold at all: the same load, 100 previews open.
    parser.add_argument("--busy", type=int, default=3, help="pooled previews busy at a time")
    parser.add_argument("--turn-seconds", type=float, default=4.0)
    parser.add_argument("--direct-seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--connect-at-once", type=int, default=16)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the docs")
    args = parser.parse_args()
    config = load_config()
    env = build_environment(EnvironmentKind.PREVIEW, 1, config)
    budget = connection_budget(env, build_objects(env)).limit
    raise_file_limit(args.previews * budget + 256)
    root = Path(f"/tmp/bench-density-{uuid.uuid4().hex[:8]}")  # noqa: S108  (postgres reads it)
    root.mkdir(mode=0o755)
    server = PostgresServer.create(
        root / "pg",
        max_connections=str(MAX_CONNECTIONS),
        superuser_reserved_connections=str(SUPERUSER_RESERVED),
    )
    server.start()
    bouncer = PgBouncer(root / "pgbouncer", server, config.pooler)
    try:
        bouncer.set_up_server()
        bouncer.start()
        account_id = make_seed(server)
        target = AdminTarget(server.url(), "127.0.0.1", server.port, None, app_port=bouncer.port)
        previews = []
        started = time.monotonic()
        for pr in range(1, args.previews + 1):
            name = build_environment(EnvironmentKind.PREVIEW, pr, config).database
            made = provision(
                target, name, name, connection_limit=-1, known_password=None, template=SEED
            )
            admit_pooler(server.url(), name)
            previews.append((name, str(psycopg.conninfo.conninfo_to_dict(made.url)["password"])))
        provision_seconds = time.monotonic() - started
        queries = [compiled(token_lookup(TOKEN)), compiled(owned_job_query(JOB_ID, account_id))]
        load_before = os.getloadavg()[0]
        results = asyncio.run(measure(args, server, bouncer, previews, queries, budget))
        results["load_average"] = [load_before, os.getloadavg()[0]]
        with psycopg.connect(server.url()) as connection:
            version = connection.execute("SHOW server_version").fetchone()
        results.update(
            previews=len(previews),
            budget=budget,
            provision_seconds=provision_seconds,
            postgres_version=str(version[0]).split()[0] if version else "?",
            pgbouncer_version=bouncer.version(),
            pooler=config.pooler.model_dump(),
            args=vars(args),
        )
    finally:
        bouncer.destroy()
        server.destroy()
        shutil.rmtree(root, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "density.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results, args)
    print(text)
    if not args.no_write:
        write_section("density", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
