"""Production's Temporal, as `envctl render production` describes it, run here for real.

The images are the local packages of `scripts/temporal_images.sh` under the pinned names; the
database is a role and two databases on the test PostgreSQL, reached without TLS because the
config says `postgres_tls = false`, not because anything here switches TLS off.
"""

from __future__ import annotations

import asyncio
import subprocess
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from temporalio.client import Client

from devstack.ports import free_port, free_port_below
from devstack.postgres import PostgresServer
from devstack.waiting import GaveUp, wait_until
from envctl.manifests.base import WORKFLOW_SERVICE
from envctl.manifests.render import build_objects
from envctl.manifests.secrets import TEMPORAL_DB_PASSWORD_KEY, TEMPORAL_DB_SECRET
from envctl.model.config import REPO_CONFIG_PATH, Config, parse_config
from envctl.model.environment import EnvironmentKind, build_environment
from tests.support.rendered_pods import (
    Manifest,
    PodInputs,
    RenderedContainer,
    find_object,
    podman_env,
)

ROOT = Path(__file__).resolve().parents[2]
# Services of one server process; in a pod each has the pod's IP to itself, here they share
# 127.0.0.1, so each gets a free port (the frontend's gRPC port is the probe's).
PORT_SETTINGS = [
    "FRONTEND_HTTP_PORT",
    "FRONTEND_MEMBERSHIP_PORT",
    "HISTORY_GRPC_PORT",
    "HISTORY_MEMBERSHIP_PORT",
    "MATCHING_GRPC_PORT",
    "MATCHING_MEMBERSHIP_PORT",
    "WORKER_GRPC_PORT",
    "WORKER_MEMBERSHIP_PORT",
]


def repo_config_data() -> dict[str, Any]:
    return tomllib.loads(REPO_CONFIG_PATH.read_text(encoding="utf-8"))


def pinned_version(images: dict[str, str] | None = None) -> str:
    pinned = images or repo_config_data()["images"]
    return pinned["temporal_server"].partition("@")[0].rsplit(":", 1)[-1]


def previous_minor(version: str) -> str:
    """The upgrade test's starting release, as `scripts/temporal_previous_minor.sh` chose it."""
    found = subprocess.run(
        [str(ROOT / "scripts" / "temporal_previous_minor.sh"), version],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


def images_exist(version: str) -> bool:
    return all(
        subprocess.run(
            ["podman", "image", "exists", f"docker.io/temporalio/{name}:{version}"],
            env=podman_env(),
            check=False,
        ).returncode
        == 0
        for name in ("server", "admin-tools")
    )


@dataclass
class TemporalDatabase:
    """What the operator provides: a role and its two databases (docs/deployment.md)."""

    postgres: PostgresServer
    user: str
    password: str
    database: str
    visibility_database: str

    def create(self) -> None:
        with psycopg.connect(self.postgres.url(), autocommit=True) as connection:
            connection.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(self.user), sql.Literal(self.password)
                )
            )
            for name in (self.database, self.visibility_database):
                connection.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(self.user)
                    )
                )

    def tables(self, database: str) -> set[str]:
        with psycopg.connect(self.postgres.url(database)) as connection:
            rows = connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        return {row[0] for row in rows}

    def schema_version(self, database: str) -> str:
        with psycopg.connect(self.postgres.url(database)) as connection:
            row = connection.execute("SELECT curr_version FROM schema_version").fetchone()
        assert row is not None
        return str(row[0])


def production_config(
    database: TemporalDatabase, *, version: str | None = None, **temporal: Any
) -> Config:
    """The repo's config with `[production_temporal]` pointed at `database` (and `temporal`)."""
    data = repo_config_data()
    if version is not None:
        for key in ("temporal_server", "temporal_admin_tools"):
            data["images"][key] = data["images"][key].rsplit(":", 1)[0] + f":{version}"
    data["production_temporal"] = {
        **data["production_temporal"],
        "postgres_host": "127.0.0.1",
        "postgres_port": database.postgres.port,
        "postgres_user": database.user,
        "postgres_tls": False,
        "database": database.database,
        "visibility_database": database.visibility_database,
        **temporal,
    }
    return parse_config(data, "tests: production config")


def render_production(config: Config) -> list[Manifest]:
    return build_objects(build_environment(EnvironmentKind.PRODUCTION, None, config))


def pod_inputs(objects: list[Manifest], database: TemporalDatabase) -> PodInputs:
    config_maps = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    return PodInputs(
        secrets={(TEMPORAL_DB_SECRET, TEMPORAL_DB_PASSWORD_KEY): database.password},
        fields={"status.podIP": "127.0.0.1", "metadata.namespace": "production"},
        config_maps=config_maps,
    )


def schema_job(objects: list[Manifest], inputs: PodInputs, work_dir: Path) -> RenderedContainer:
    job = find_object(objects, "Job", "temporal-schema-")
    return RenderedContainer(f"temporal-schema-{uuid.uuid4().hex[:8]}", job, inputs, work_dir)


async def _health(address: str, service: str) -> bool:
    client = await Client.connect(address)
    return await client.service_client.check_health(service=service)


def grpc_health(address: str, service: str = WORKFLOW_SERVICE) -> bool:
    return asyncio.run(_health(address, service))


@dataclass
class ProductionTemporalServer:
    """The rendered temporal-server Deployment's container, on free ports of 127.0.0.1."""

    objects: list[Manifest]
    inputs: PodInputs
    work_dir: Path
    grpc_port: int = field(default_factory=free_port)
    # kept across restarts, as a pod keeps its ports
    ports: dict[str, str] = field(
        default_factory=lambda: {
            # the cluster_membership table keeps membership ports in a SMALLINT
            name: str(free_port_below(32768) if "MEMBERSHIP" in name else free_port())
            for name in PORT_SETTINGS
        }
    )
    container: RenderedContainer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def deployment(self) -> Manifest:
        return find_object(self.objects, "Deployment", "temporal-server")

    def readiness_probe(self) -> Manifest:
        probe: Manifest = self.deployment["spec"]["template"]["spec"]["containers"][0][
            "readinessProbe"
        ]
        return probe

    def start(self, timeout: float = 240) -> None:
        self.container = RenderedContainer(
            f"temporal-server-{self.grpc_port}",
            self.deployment,
            self.inputs,
            self.work_dir,
            extra_env={
                "FRONTEND_GRPC_PORT": str(self.grpc_port),
                **self.ports,
                # Host networking: 0.0.0.0 would expose the test server beyond this machine.
                "BIND_ON_IP": "127.0.0.1",
            },
        )
        self.container.start()
        self.wait_ready(timeout)

    def probe_passes(self) -> bool:
        """The rendered readiness probe, as the kubelet runs it: gRPC health, named service."""
        probe = self.readiness_probe()["grpc"]
        return grpc_health(self.address, probe.get("service", ""))

    def wait_ready(self, timeout: float) -> None:
        wait_until(
            lambda: self._running() and self.probe_passes(),
            timeout,
            f"the production temporal-server on {self.address}",
            interval=0.5,
        )

    def _running(self) -> bool:
        assert self.container is not None
        code = self.container.exited()
        if code is not None:
            failures = "\n".join(self.container.failure_lines()[-5:])
            raise GaveUp(
                f"temporal-server exited {code}:\n{failures}\n--- log tail ---\n"
                f"{self.container.log_tail(1500)}"
            )
        return True

    def register_namespace(self) -> subprocess.CompletedProcess[str]:
        """The rendered namespace Job, pointed at this server instead of its cluster DNS name."""
        job = find_object(self.objects, "Job", "temporal-namespace-")
        run = RenderedContainer(
            f"temporal-namespace-{self.grpc_port}",
            job,
            self.inputs,
            self.work_dir,
            extra_env={"TEMPORAL_ADDRESS": self.address},
        ).run()
        assert run.returncode == 0, run.stdout + run.stderr
        return run

    def stop(self) -> None:
        if self.container is not None:
            grace = self.deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
            self.container.stop(grace)
