"""A job row's statements, built and compiled once and run by psycopg: the web app's insert
(`RowStatement`) and the worker's updates with their change notice (`RowWrite`).

The worker writes a job's row once or twice per job (running, if it runs for half a second,
then the outcome). Built per call and run through SQLAlchemy's execute path, two writes cost
its writer thread about 8 ms of CPU per echo job (2026-12-03); compiled once and pipelined
by psycopg (BEGIN, lock, update, COMMIT), 0.8 ms of CPU per write; sent as one simple query,
bound on the client, 0.33 ms (`RowWrite.run` from a pooled connection, 2,000 writes each,
2026-12-07). The insert built per call cost the web app's
request thread 1.5 ms per job (5.7 ms against 4.2 ms for a POST and its long poll, over 300
sequential jobs). Here each statement is compiled once with named parameters and psycopg runs
it; on SQLite (local runs without PostgreSQL) SQLAlchemy runs the updates, and the web app
inserts through the ORM.
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

    `notices(rows)` builds the pg_notify calls from the updated rows' `owner_id` and `id`.

    On PostgreSQL a write is one simple query of two statements, sent in one round trip:
    the insert's lock, shared (`creating`), so it waits for the web app's commit of the row;
    then the update and its NOTIFY. The two run as one implicit transaction, which commits as
    the query ends: an error commits neither, and a write sent by a worker that then died is
    finished by the server all the same (what it writes is already true). The update, a
    statement of its own, takes its snapshot after the lock wait, so it sees the row the web
    app's commit made.
    psycopg binds the values on the client (`ClientCursor`), quoting each as a literal: a
    simple query takes no parameters."""

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
        shared = self.lock.constants.keys() & self.write.constants.keys()
        if any(self.lock.constants[name] != self.write.constants[name] for name in shared):
            raise ValueError(f"the lock's and the update's constants share names: {shared}")
        self.sql = f"{self.lock.sql};\n{self.write.sql}"

    def run(self, database: Database, params: Mapping[str, Any]) -> bool:
        """Whether a row changed. Errors are SQLAlchemy's, as from any other query."""
        if database.engine.dialect.name != "postgresql":
            with database.session() as session:
                return bool(session.execute(self.changed, dict(params)).all())
        bound = {**self.lock.bound(params), **self.write.bound(params)}
        with database.engine.connect() as connection, driver_errors(connection, self.sql):
            driver = driver_of(connection)
            driver.autocommit = True  # no BEGIN/COMMIT round trips: one implicit transaction
            try:
                cursor = psycopg.ClientCursor(driver)
                cursor.execute(self.sql, bound)
                cursor.nextset()  # past the lock's result, to the notices of changed rows
                return bool(cursor.fetchall())
            finally:
                if not driver.broken:  # the pool's other users run transactions
                    driver.autocommit = False


def driver_of(connection: Connection) -> psycopg.Connection[Any]:
    # PostgreSQL here is always psycopg (app/settings.py builds the URL).
    return cast(psycopg.Connection[Any], psycopg_driver(connection))


def payload(rows: Any) -> Any:
    """`<owner>:<job>` of an updated row."""
    return func.concat(rows.c.owner_id, ":", rows.c.id)
