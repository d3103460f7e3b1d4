"""Production Temporal for real: the pinned server's images, a role and two databases on the
test PostgreSQL, and one running server that several modules share (the app, external mode)."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.postgres import PostgresServer
from tests.support.prod_temporal import (
    ProductionTemporalServer,
    TemporalDatabase,
    images_exist,
    pinned_version,
    pod_inputs,
    previous_minor,
    production_config,
    render_production,
    schema_job,
)


def require_images(version: str) -> str:
    if not images_exist(version):
        message = f"no local Temporal {version} images: run `make prod-temporal-images`"
        if os.environ.get("PROD_TEMPORAL_REQUIRED") == "1":  # make test builds them first
            pytest.fail(message)
        pytest.skip(message)
    return version


@pytest.fixture(scope="session")
def pinned() -> str:
    return require_images(pinned_version())


@pytest.fixture(scope="session")
def previous(pinned: str) -> str:
    """The upgrade's starting release: the previous minor."""
    return require_images(previous_minor(pinned))


@pytest.fixture(scope="session")
def test_postgres(postgres: PostgresServer | None) -> PostgresServer:
    if postgres is None:
        pytest.skip("production Temporal needs the throwaway PostgreSQL (TEST_DATABASE_URL is set)")
    return postgres


def new_temporal_database(postgres: PostgresServer) -> TemporalDatabase:
    suffix = uuid.uuid4().hex[:8]
    database = TemporalDatabase(
        postgres,
        user=f"temporal_{suffix}",
        password=secrets.token_urlsafe(16),
        database=f"temporal_{suffix}",
        visibility_database=f"temporal_visibility_{suffix}",
    )
    database.create()
    return database


@pytest.fixture(scope="session")
def running_server(
    pinned: str, test_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProductionTemporalServer]:
    """The pinned server on freshly set-up schemas, its namespace registered by the rendered Job."""
    database = new_temporal_database(test_postgres)
    objects = render_production(production_config(database))
    inputs = pod_inputs(objects, database)
    work = tmp_path_factory.mktemp("prod-temporal")
    setup = schema_job(objects, inputs, work).run()
    assert setup.returncode == 0, setup.stdout + setup.stderr
    server = ProductionTemporalServer(objects, inputs, work)
    server.start()
    try:
        server.register_namespace()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prod-temporal-work")
