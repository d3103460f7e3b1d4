"""The rendered schema Job (admin-tools image, script, env and Secret as `envctl render
production` gives them) against a real PostgreSQL role without TLS."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psycopg

from devstack.ports import free_port
from devstack.postgres import PostgresServer
from tests.prod_temporal.conftest import new_temporal_database
from tests.support.prod_temporal import (
    TemporalDatabase,
    pod_inputs,
    production_config,
    render_production,
    schema_job,
)

SCHEMAS = ("temporal", "visibility")


def columns(database: TemporalDatabase, name: str) -> list[tuple[str, str, str]]:
    """Every table's columns and types: what a schema change would alter."""
    with psycopg.connect(database.postgres.url(name)) as connection:
        rows = connection.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def applied_updates(database: TemporalDatabase, name: str) -> int:
    with psycopg.connect(database.postgres.url(name)) as connection:
        row = connection.execute("SELECT count(*) FROM schema_update_history").fetchone()
    assert row is not None
    return int(row[0])


def test_first_run_creates_both_schemas_and_a_second_run_changes_nothing(
    pinned: str, test_postgres: PostgresServer, work_dir: Path
) -> None:
    database = new_temporal_database(test_postgres)
    objects = render_production(production_config(database))
    job = schema_job(objects, pod_inputs(objects, database), work_dir)

    first = job.run()
    print(
        f"\n--- schema Job {pinned}, first run (exit {first.returncode}) ---\n{first.stdout}{first.stderr}"
    )
    assert first.returncode == 0
    assert {"executions", "history_node", "schema_version"} <= database.tables(database.database)
    assert {"executions_visibility", "schema_version"} <= database.tables(
        database.visibility_database
    )
    names = (database.database, database.visibility_database)
    versions = [database.schema_version(name) for name in names]
    assert all(version != "0.0" for version in versions), versions
    before = [(columns(database, n), applied_updates(database, n)) for n in names]

    second = job.run()
    print(
        f"--- schema Job {pinned}, second run (exit {second.returncode}) ---\n{second.stdout}{second.stderr}"
    )
    assert second.returncode == 0
    assert [database.schema_version(name) for name in names] == versions
    assert [(columns(database, n), applied_updates(database, n)) for n in names] == before


def test_an_unreachable_database_fails_the_job_with_the_reason(
    pinned: str, test_postgres: PostgresServer, work_dir: Path
) -> None:
    database = new_temporal_database(test_postgres)
    config = production_config(database, postgres_port=free_port())  # nothing listens there
    objects = render_production(config)
    run = schema_job(objects, pod_inputs(objects, database), work_dir).run(timeout=120)
    output = run.stdout + run.stderr
    print(f"\n--- schema Job, database unreachable (exit {run.returncode}) ---\n{output}")
    assert run.returncode != 0
    assert "connection refused" in output.lower()


def test_a_wrong_password_fails_the_job_with_the_reason(
    pinned: str, test_postgres: PostgresServer, work_dir: Path
) -> None:
    database = new_temporal_database(test_postgres)
    objects = render_production(production_config(database))
    wrong = dataclasses.replace(database, password="not-" + database.password)
    run = schema_job(objects, pod_inputs(objects, wrong), work_dir).run(timeout=120)
    output = run.stdout + run.stderr
    print(f"\n--- schema Job, wrong password (exit {run.returncode}) ---\n{output}")
    assert run.returncode != 0
    assert "password authentication failed" in output
    assert database.tables(database.database) == set()  # nothing was created
