"""One database connection per request for reads.

It is checked out once (pinged only after idling, see app/db.py), shared by a token
lookup and the view, and runs in autocommit, so a read costs its queries' round trips
and no BEGIN or COMMIT.
Long polls give it back before they wait, so waiting holds no pool connection.
The hot one-row reads are `PreparedRead`s: straight through psycopg on that connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import psycopg
from flask import g
from sqlalchemy import Connection, Select
from sqlalchemy.orm import Session

from app.db import driver_errors, psycopg_driver, psycopg_sql
from app.services import services


def read_connection() -> Connection:
    connection: Connection | None = g.get("read_connection")
    if connection is None:
        connection = services().database.engine.connect()
        driver = psycopg_driver(connection)
        if driver is None:  # SQLite
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        else:
            # What SQLAlchemy's isolation_level="AUTOCOMMIT" does, at half its CPU cost;
            # release_read_connection turns it off before the pool gets the connection back.
            driver.autocommit = True
        g.read_connection = connection
    return connection


@contextmanager
def read_session() -> Iterator[Session]:
    """An ORM session on the request's read connection."""
    with Session(bind=read_connection(), expire_on_commit=False) as session:
        yield session


def release_read_connection(_error: BaseException | None = None) -> None:
    connection: Connection | None = g.pop("read_connection", None)
    if connection is None:
        return
    driver = None if connection.invalidated else psycopg_driver(connection)  # a lost one is closed
    if driver is not None:
        try:
            driver.autocommit = False  # the pool's other users run transactions
        except psycopg.Error:  # broken, or mid-transaction: never hand it out again
            connection.invalidate()
    connection.close()


Record = TypeVar("Record")


class PreparedRead(Generic[Record]):
    """A Core SELECT, run on PostgreSQL by psycopg itself.

    SQLAlchemy's execute path (result metadata, column descriptions, row processors) costs
    about three times a one-row read's own psycopg call (see docs/benchmarks.md, the read
    path), and building a list's statement per request cost the jobs list more than its
    rows did; the statement is compiled once here instead, and psycopg prepares it on the
    server (unless PgBouncer's transaction pooling forbids it, see app/db.py). On SQLite,
    for local runs without PostgreSQL, it runs through SQLAlchemy as usual.
    """

    def __init__(self, statement: Select[Any], record: Callable[..., Record]) -> None:
        self.statement = statement
        self.sql, _ = psycopg_sql(statement)  # every parameter is the caller's, by name
        self.record = record

    def first(self, params: Mapping[str, Any]) -> Record | None:
        connection = read_connection()
        driver = psycopg_driver(connection)
        if driver is None:
            found = connection.execute(self.statement, params).first()
        else:
            with driver_errors(connection, self.sql):
                found = driver.execute(self.sql, params).fetchone()
        return None if found is None else self.record(*found)

    def all(self, params: Mapping[str, Any]) -> list[Record]:
        connection = read_connection()
        driver = psycopg_driver(connection)
        if driver is None:
            return [self.record(*row) for row in connection.execute(self.statement, params)]
        with driver_errors(connection, self.sql):
            rows = driver.execute(self.sql, params).fetchall()
        return [self.record(*row) for row in rows]
