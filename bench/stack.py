"""The processes a benchmark measures, started as the tests start them (devstack).

A throwaway PostgreSQL, the Temporal dev server, the worker (`temporal_server.py`) and the web
app under gunicorn, all on free ports. The raw-SDK baseline uses the same dev server, worker and
task queue, so the only difference it measures is the path through the web app.

Their state (PostgreSQL's data, the dev server's SQLite file, the logs) lives on tmpfs when
the machine has one. This VM's one disk stalls an fsync for ~50 ms when other files have
dirty pages, so with the state on disk the web app's PostgreSQL and log writes slowed the dev
server's commits, and the comparison measured the disk: echo p50 1.50x the raw SDK on disk,
1.11x on tmpfs (docs/benchmarks.md). PostgreSQL already runs with fsync off here.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.migrate import migrate
from app.settings import Settings
from devstack.accounts import PASSWORD, new_email
from devstack.ports import free_port
from devstack.postgres import PostgresServer
from devstack.processes import ROOT
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer

ARTIFACTS = ROOT / "artifacts" / "bench"
TMPFS = Path("/dev/shm")  # noqa: S108 - a private mkdtemp folder and a fresh uuid-named cluster


POSTGRES = "PostgreSQL (the app database; its backends)"
WEB_THREADS = Settings.model_fields["web_threads"].default  # devstack leaves the app's default
WEB = f"web app (gunicorn, 2 workers x {WEB_THREADS} threads)"


@dataclass
class Bench:
    """The processes under test and a signed-up API account."""

    root: Path
    postgres: PostgresServer
    temporal: TemporalDevServer
    stack: Stack
    auth: dict[str, str]

    @property
    def task_queue(self) -> str:
        return self.stack.env["TEMPORAL_TASK_QUEUE"]

    def postmaster_pid(self) -> int:
        """PostgreSQL's postmaster (pg_ctl daemonizes it): its backends are its children."""
        return int((self.postgres.data_dir / "postmaster.pid").read_text().split()[0])

    def pids(self) -> dict[str, int]:
        assert self.stack.web.process and self.stack.worker.process and self.temporal.process
        return {
            WEB: self.stack.web.process.pid,
            "worker (temporal_server.py)": self.stack.worker.process.pid,
            "Temporal dev server": self.temporal.process.pid,
        }

    @contextmanager
    def running_job(self, message: str) -> Iterator[dict[str, Any]]:
        """An echo job that runs (ten minutes) until the block ends, then is cancelled."""
        job: dict[str, Any] = httpx.post(
            f"{self.stack.url}/api/jobs",
            json={"type": "echo", "input": {"message": message, "delay_ms": 600_000}},
            headers=self.auth,
            timeout=30,
        ).json()
        try:
            yield job
        finally:
            url = f"{self.stack.url}/api/jobs/{job['id']}/cancel"
            httpx.post(url, headers=self.auth, timeout=30).raise_for_status()

    def finished_job(self, message: str) -> dict[str, Any]:
        """An echo job started through the API and long-polled until it is finished."""
        job = httpx.post(
            f"{self.stack.url}/api/jobs",
            json={"type": "echo", "input": {"message": message}},
            headers=self.auth,
            timeout=30,
        ).json()
        response = httpx.get(
            f"{self.stack.url}/api/jobs/{job['id']}",
            params={"wait": 30},
            headers=self.auth,
            timeout=60,
        )
        response.raise_for_status()
        finished: dict[str, Any] = response.json()
        return finished


def sign_up(url: str) -> dict[str, str]:
    """A new account's Authorization header."""
    response = httpx.post(
        f"{url}/api/auth/signup", json={"email": new_email(), "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def app_env(database_url: str, temporal_address: str, root: Path) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "APP_ENV_FILE": "/nonexistent/.env",
        "DATABASE_URL": database_url,
        "TEMPORAL_SERVER_ADDRESS": temporal_address,
        "DATA_DIR": str(root / "data"),
        "FRONTEND_DIST": str(root / "no-frontend"),
        "SMTP_PORT": str(free_port()),
        "HEALTHCHECK_INTERVAL_SECONDS": "3600",
        "REMINDER_INTERVAL_SECONDS": "86400",
        "LOG_LEVEL": "WARNING",
        # Room for the read-path benchmark's 200 running jobs beside the others.
        "WORKER_MAX_CONCURRENT_ACTIVITIES": "300",
    }


@contextmanager
def running_stack() -> Iterator[Bench]:
    state = str(TMPFS) if TMPFS.is_dir() else None
    root = Path(tempfile.mkdtemp(prefix="bench-", dir=state))
    # Not under `root`: mkdtemp's folder is private, and PostgreSQL runs as `postgres`.
    postgres = PostgresServer.create(
        Path(state or tempfile.gettempdir()) / f"bench-pg-{uuid.uuid4().hex[:8]}"
    )
    postgres.start()
    temporal = TemporalDevServer(root=root / "temporal")
    stack: Stack | None = None
    try:
        url = postgres.create_database("bench")
        temporal.start()
        env = process_env(app_env(url, temporal.address, root))
        migrate(Settings(_env_file=None, database_url=url, app_env="test"))
        stack = Stack.start(env, root / "logs")
        yield Bench(root, postgres, temporal, stack, sign_up(stack.url))
    finally:
        if stack is not None:
            stack.stop()
        temporal.stop()
        postgres.destroy()
        shutil.rmtree(root, ignore_errors=True)
