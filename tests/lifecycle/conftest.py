"""Fixtures for the lifecycle commands: a real Kubernetes API server (the local control plane,
or the cluster ENVCTL_TEST_KUBECONFIG names), the real kubectl behind a fault injector, a real
PostgreSQL playing the shared preview server, a config pointing previews at it, and the GitHub
API stand-in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from envctl import cli
from envctl.model.config import REPO_CONFIG_PATH
from tests.support.doppler_operator import DopplerOperator
from tests.support.github_api import GitHubApi
from tests.support.kube_cluster import Baseline, Cluster, KubeServer
from tests.support.postgres import PostgresServer

IMAGE = "ghcr.io/example/preview-stack:3f2a9c1"
NEXT_IMAGE = "ghcr.io/example/preview-stack:9e8d7c6"
COMMIT = "3f2a9c1" + "0" * 33
DOPPLER_TOKEN = "dp.st.preview.FAKE-TOKEN-VALUE-0123456789"
# Production's deploy here: its own database comes from Doppler, and its Temporal is not in this
# cluster (no kubelet), so the worker-version switch is skipped.
PRODUCTION_DEPLOY = (
    "deploy",
    "production",
    "--image",
    IMAGE,
    "--skip-smoke",
    "--skip-worker-versions",
)


@pytest.fixture(scope="session")
def shared_postgres() -> Iterator[PostgresServer]:
    """The shared preview PostgreSQL: a real server, password (SCRAM) auth on 127.0.0.1."""
    server = PostgresServer.create(Path(f"/tmp/pg-lifecycle-{uuid.uuid4().hex[:8]}"))
    server.start()
    yield server
    server.destroy()


def config_text(port: int) -> str:
    """The committed config, with both preview kinds' database at 127.0.0.1:<port>."""
    sections = re.split(r"(?m)^(?=\[)", REPO_CONFIG_PATH.read_text(encoding="utf-8"))
    changed = []
    for section in sections:
        if section.startswith(("[environments.preview]", "[environments.permanent_preview]")):
            section = re.sub(r'database_cidr = "[^"]*"', 'database_cidr = "127.0.0.1/32"', section)
            section = re.sub(r"database_port = \d+", f"database_port = {port}", section)
        changed.append(section)
    return "".join(changed)


@dataclass
class Lifecycle:
    """Everything a lifecycle command needs, and a way to run it as `envctl ...`."""

    cluster: Cluster
    postgres: PostgresServer
    config: Path
    environ: dict[str, str]

    def run(self, *args: str, **extra_env: str) -> tuple[int, str, str]:
        with_config = args[0] in ("deploy", "destroy", "gc")
        result = CliRunner().invoke(
            cli.app,
            [*args, *(["--config", str(self.config)] if with_config else [])],
            env={**self.environ, **extra_env},
        )
        return result.exit_code, result.stdout, result.stderr

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.postgres.url(), autocommit=True)

    def role_exists(self, role: str) -> bool:
        with self.admin() as connection:
            return bool(
                connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            )

    def database_exists(self, name: str) -> bool:
        with self.admin() as connection:
            return bool(
                connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                ).fetchone()
            )

    def rolpassword(self, role: str) -> str:
        with self.admin() as connection:
            row = connection.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)
            ).fetchone()
        assert row is not None
        return str(row[0])


@pytest.fixture(scope="session")
def kube_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeServer]:
    server = KubeServer.for_session(tmp_path_factory.mktemp("cluster"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def baseline(kube_server: KubeServer, tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    return Baseline.of(Cluster(kube_server, tmp_path_factory.mktemp("baseline")))


@pytest.fixture
def cluster(kube_server: KubeServer, baseline: Baseline, tmp_path: Path) -> Iterator[Cluster]:
    real = Cluster(kube_server, tmp_path / "kube")
    yield real
    baseline.restore(real)  # every namespace, node and cluster role this test made goes


@pytest.fixture
def doppler_operator(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[None]:
    """The operator's stand-in (Doppler cannot run here), unless the test needs it absent."""
    if request.node.get_closest_marker("without_doppler_operator"):
        yield
        return
    operator = DopplerOperator(cluster)
    operator.start()
    yield
    operator.stop()


@pytest.fixture
def lifecycle(
    cluster: Cluster,
    doppler_operator: None,
    shared_postgres: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Lifecycle]:
    config = tmp_path / "envctl.toml"
    config.write_text(config_text(shared_postgres.port), encoding="utf-8")
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    environ = {
        **cluster.environ(),
        "ENVCTL_DATABASE_ADMIN_URL": shared_postgres.url(),
        "ENVCTL_DOPPLER_TOKEN": DOPPLER_TOKEN,
        "ENVCTL_DOPPLER_TEMPORAL_TOKEN": DOPPLER_TOKEN + "-temporal",
        "CI": "true",
    }
    yield Lifecycle(cluster, shared_postgres, config, environ)
    with psycopg.connect(shared_postgres.url(), autocommit=True) as connection:
        # Whatever a test left behind, so the next one starts from an empty server.
        for (name,) in connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'app\\_%'"
        ).fetchall():
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        for (name,) in connection.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'app\\_%'"
        ).fetchall():
            connection.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def github() -> Iterator[GitHubApi]:
    api = GitHubApi()
    api.start()
    yield api
    api.stop()
