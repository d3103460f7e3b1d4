"""Real services for the whole test run: PostgreSQL, the Temporal dev server, a worker,
an SMTP sink and the web app served over HTTP."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from app.db import Database
from app.factory import create_app
from app.migrate import upgrade
from app.settings import Settings
from devstack.accounts import signup
from devstack.postgres import PostgresServer
from devstack.smtp_sink import SmtpSink
from devstack.stack import process_env
from devstack.temporal_dev import TemporalDevServer
from tests.support.worker_thread import WorkerThread


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer | None]:
    if os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    server = PostgresServer.create(Path(f"/tmp/pg-test-{uuid.uuid4().hex[:8]}"))
    server.start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def database_url(postgres: PostgresServer | None) -> str:
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        return given
    assert postgres is not None
    return postgres.create_database(f"app_test_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
def temporal_server(run_dir: Path) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(root=run_dir / "temporal")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def base_env(
    database_url: str,
    temporal_server: TemporalDevServer,
    smtp_sink: SmtpSink,
    run_dir: Path,
) -> dict[str, str]:
    """Settings shared by every app process of the run, as environment variables."""
    return {
        "APP_ENV": "test",
        "APP_ENV_FILE": "/nonexistent/.env",
        "DATABASE_URL": database_url,
        "TEMPORAL_SERVER_ADDRESS": temporal_server.address,
        "DATA_DIR": str(run_dir / "data"),
        "FRONTEND_DIST": str(run_dir / "no-frontend"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_sink.port),
        "WORKER_SHUTDOWN_GRACE_SECONDS": "5",
        "HEALTHCHECK_INTERVAL_SECONDS": "3600",
        "LOGIN_MAX_FAILURES": "3",
        "LOG_LEVEL": "WARNING",
    }


def settings_from_env(env: dict[str, str]) -> Settings:
    values = {key.lower(): value for key, value in env.items() if key != "APP_ENV_FILE"}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(base_env: dict[str, str]) -> Settings:
    """The in-process app and worker: their own task queue and ports."""
    return settings_from_env(process_env(base_env, WORKER_METRICS_PORT="0"))


@pytest.fixture(scope="session")
def web_port(settings: Settings) -> int:
    return settings.web_port


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> None:
    database = Database(settings)
    upgrade(database.engine)
    database.dispose()


@pytest.fixture(scope="session")
def worker(settings: Settings, migrated: None) -> Iterator[WorkerThread]:
    thread = WorkerThread(settings)
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture(scope="session")
def app(settings: Settings, migrated: None) -> Flask:
    return create_app(settings)


@pytest.fixture(scope="session")
def live_server(app: Flask, web_port: int) -> Iterator[str]:
    server: BaseWSGIServer = make_server("127.0.0.1", web_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{web_port}"
    server.shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth(client: FlaskClient) -> dict[str, str]:
    return signup(client)
