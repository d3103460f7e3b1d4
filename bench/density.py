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
import json
import os
import resource
import shutil
import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.api.jobs import owned_job_query
from app.auth.tokens import _digest, token_lookup
from app.db import psycopg_sql, utcnow
from app.migrate import upgrade
from app.models import Account, AuthToken, Job
from bench.density_load import Load, ServerConnections, busy, later, open_clients
from bench.density_report import markdown
from bench.sections import write_section
from bench.stack import ARTIFACTS
from devstack.pgbouncer import PgBouncer
from devstack.postgres import PostgresServer
from envctl.database.budget import connection_budget
from envctl.database.pooler import admit_pooler
from envctl.database.provision import provision
from envctl.database.target import AdminTarget
from envctl.manifests.render import build_objects
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment

MAX_CONNECTIONS = 50
SUPERUSER_RESERVED = 2
SEED = "seed_density"
TOKEN = "density-" + "t" * 40
JOB_ID = str(uuid.UUID(int=1))


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
        statements = [token_lookup(TOKEN), owned_job_query(JOB_ID, account_id)]
        queries = [psycopg_sql(statement) for statement in statements]
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
            max_connections=MAX_CONNECTIONS,
            superuser_reserved=SUPERUSER_RESERVED,
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
