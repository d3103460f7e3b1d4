"""A job row's statements, built and compiled once and run by psycopg: the web app's insert
(`RowStatement`) and the worker's updates with their change notice (`RowWrite`).

The worker writes a job's row twice per job (running, then the outcome). Built per call and
run through SQLAlchemy's execute path, the two cost its writer thread about 8 ms of CPU per
echo job, against 2 ms now (the thread's own CPU counters over 150 sequential jobs,
2026-12-03). The insert built per call cost the web app's request thread 1.5 ms per job
(5.7 ms against 4.2 ms for a POST and its long poll, over 300 sequential jobs). Here each
statement is compiled once with named parameters and psycopg runs it; on SQLite (local runs
without PostgreSQL) SQLAlchemy runs the updates, and the web app inserts through the ORM.

On PostgreSQL a write is: BEGIN; the insert's lock, shared (`creating`), so it waits for the
web app's commit of the row; the update and its NOTIFY in one statement; COMMIT, pipelined.
Not autocommit: a worker that dies mid-write must commit nothing (the reconciler's case).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Select, Update, func, select

from app.db import Database, driver_errors, psycopg_driver, psycopg_sql
from app.models import Job


class RowStatement:
    """A statement compiled once, with named `bindparam(name, None)` parameters; psycopg runs
    it on the caller's connection, in the caller's transaction. `json_names` are the
    parameters bound to json columns, which psycopg must be told."""

    def __init__(self, statement: Select[Any], json_names: Iterable[str] = ()) -> None:
        self.sql, self.constants = psycopg_sql(statement)
        self.json_names = frozenset(json_names)

    def bound(self, params: Mapping[str, Any]) -> dict[str, Any]:
        bound = {**self.constants, **params}
        for name in self.json_names:
            bound[name] = Jsonb(bound[name])
        return bound

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> None:
        """Errors are SQLAlchemy's, as from any other query."""
        with driver_errors(connection, self.sql):
            driver_of(connection).execute(self.sql, self.bound(params))


class RowWrite:
    """`update` of one job row, its notices, and the lock taken before it; all three with
    named `bindparam(name, None)` parameters, filled in by `run`.

    `notices(rows)` builds the pg_notify calls from the updated rows' `owner_id` and `id`."""

    def __init__(
        self,
        update: Update,
        notices: Callable[[Any], list[Any]],
        lock: Select[Any],
        json_names: Iterable[str] = (),
    ) -> None:
        self.changed = update.returning(Job.owner_id, Job.id)
        self.write = RowStatement(select(*notices(self.changed.cte("changed"))), json_names)
        self.lock = RowStatement(lock)

    def run(self, database: Database, params: Mapping[str, Any]) -> bool:
        """Whether a row changed. Errors are SQLAlchemy's, as from any other query."""
        if database.engine.dialect.name != "postgresql":
            with database.session() as session:
                return bool(session.execute(self.changed, dict(params)).all())
        with database.engine.connect() as connection, driver_errors(connection, self.write.sql):
            driver = driver_of(connection)
            # Pipelined: BEGIN, the lock and the update leave together, then COMMIT; two
            # round trips instead of four. The server still runs them in order, so the
            # update's snapshot follows the lock wait.
            with driver.pipeline(), driver.transaction():
                driver.execute(self.lock.sql, self.lock.bound(params))
                return bool(driver.execute(self.write.sql, self.write.bound(params)).fetchall())


def driver_of(connection: Connection) -> psycopg.Connection[Any]:
    # PostgreSQL here is always psycopg (app/settings.py builds the URL).
    return cast(psycopg.Connection[Any], psycopg_driver(connection))


def payload(rows: Any) -> Any:
    """`<owner>:<job>` of an updated row."""
    return func.concat(rows.c.owner_id, ":", rows.c.id)
