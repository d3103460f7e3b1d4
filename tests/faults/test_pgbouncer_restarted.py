"""Pooled mode: the web app and the worker reach their preview database only through a real
PgBouncer, which is stopped and started again (same port) with jobs in flight and requests
arriving. While it is down the API answers 503 JSON naming the database; afterwards everything
recovers without restarting a process, and every job ends once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from psycopg.conninfo import conninfo_to_dict

from app.db import Database
from app.migrate import upgrade
from devstack.api import ApiClient
from devstack.pgbouncer import PgBouncer
from devstack.postgres import PostgresServer
from devstack.stack import Stack, process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from envctl.database.pooler import admit_pooler
from envctl.database.provision import provision
from envctl.database.target import AdminTarget
from envctl.model.config_services import Pooler
from tests.conftest import settings_from_env
from tests.faults.ledger import Ledger, assert_clean, now
from tests.faults.report import record

pytestmark = pytest.mark.faults

ECHOES = 30


@pytest.fixture
def pooled_url(tmp_path: Path) -> Iterator[tuple[PgBouncer, str]]:
    server = PostgresServer.create(Path(f"/tmp/pg-fault-{uuid.uuid4().hex[:8]}"))
    server.start()
    bouncer = PgBouncer(Path(f"/tmp/pgb-fault-{uuid.uuid4().hex[:8]}"), server, Pooler())
    try:
        bouncer.set_up_server()
        bouncer.start()
        target = AdminTarget(server.url(), "127.0.0.1", server.port, None, app_port=bouncer.port)
        made = provision(target, "app_pr_7", "app_pr_7", connection_limit=-1, known_password=None)
        admit_pooler(server.url(), "app_pr_7")
        yield bouncer, made.url
    finally:
        bouncer.destroy()
        server.destroy()


class Traffic:
    """GET /api/jobs in a loop from another thread: the load the restart lands in."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.statuses: Counter[int] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=str(self.api.http.base_url), headers=self.api.http.headers) as c:
            while not self._stop.is_set():
                try:
                    self.statuses[c.get("/api/jobs", timeout=30).status_code] += 1
                except httpx.HTTPError:
                    self.statuses[0] += 1

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(60)


def test_pgbouncer_restarted_under_load_answers_503_then_recovers_by_itself(
    base_env: dict[str, str],
    pooled_url: tuple[PgBouncer, str],
    temporal_server: TemporalDevServer,
    tmp_path: Path,
) -> None:
    bouncer, url = pooled_url
    assert int(str(conninfo_to_dict(url)["port"])) == bouncer.port
    env = process_env(
        base_env,
        DATABASE_URL=url.replace("postgresql://", "postgresql+psycopg://"),
        DB_TRANSACTION_POOLING="true",
        REMINDER_INTERVAL_SECONDS="86400",
    )
    database = Database(settings_from_env(env))
    upgrade(database.engine)  # through the pooler, on the transaction-scoped lock
    database.dispose()
    stack = Stack.start(env, tmp_path)
    try:
        pids = (stack.web.process.pid, stack.worker.process.pid)  # type: ignore[union-attr]
        api = ApiClient.sign_up(stack.url)
        ledger = Ledger(api, temporal_server.address, env["TEMPORAL_TASK_QUEUE"])
        ledger.submit(
            [("echo", {"message": f"pooled {n}", "delay_ms": 3000 + 50 * n}) for n in range(ECHOES)]
        )
        wait_until(
            lambda: sum(j["status"] == "running" for j in ledger.current().values()) >= 10,
            60,
            "ten jobs running",
        )
        with Traffic(api) as traffic:
            bouncer.stop()
            stopped = now()
            listed = api.http.get("/api/jobs")
            posted = api.http.post("/api/jobs", json={"type": "echo", "input": {"message": "x"}})
            ready = httpx.get(f"{stack.url}/api/ready", timeout=30)
            health = httpx.get(f"{stack.url}/api/health", timeout=30)
            wait_until(lambda: traffic.statuses[503] >= 5, 30, "the traffic to meet the outage")
            bouncer.start()
            back = now()
            wait_until(lambda: api.http.get("/api/ready").status_code == 200, 60, "ready again")
            wait_until(lambda: traffic.statuses[200] >= 5, 30, "traffic answered again")
        [after] = ledger.submit([("echo", {"message": "started after the restart"})])
        final = ledger.wait_all_finished(timeout=120)
        recovered = now()
        seen = dict(sorted(traffic.statuses.items()))
        result = record(
            ledger.result(
                "PgBouncer restarted under load (pooled mode)",
                final,
                recovered,
                back,
                detail=(
                    f"down {back - stopped:.1f} s; during it GET and POST /api/jobs "
                    f"{listed.status_code}/{posted.status_code}, /api/ready {ready.status_code}, "
                    f"/api/health {health.status_code}; background GET /api/jobs answered "
                    f"{seen}; no process restarted"
                ),
            )
        )
        assert_clean(result)
        assert health.status_code == 200
        for response in (listed, posted):
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "database_unavailable"
        assert ready.status_code == 503
        assert ready.json()["error"]["details"]["checks"]["database"]["ok"] is False
        assert set(seen) <= {200, 503}, seen  # never a 500 or a dropped connection
        assert final[after["id"]]["status"] == "succeeded"
        assert (stack.web.process.pid, stack.worker.process.pid) == pids  # type: ignore[union-attr]
    finally:
        stack.stop()
