"""The app database: one engine per process, short sessions, a small bounded pool.

The pool is deliberately small and never overflows: previews share one PostgreSQL
server, and every connection a preview holds is one its neighbours cannot have.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from pydantic_core import from_json
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import ClauseElement

from app.settings import Settings

# A pooled connection idle at least this long is pinged before use (a few seconds are
# far below any server or firewall idle timeout, and a restart takes longer than this).
PING_AFTER_IDLE_SECONDS = 1.0


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def make_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, object] = {"connect_timeout": 5, "application_name": "preview-stack"}
    if settings.db_transaction_pooling:
        # PgBouncer 1.18 hands each transaction any server connection: a statement psycopg
        # prepared on one is unknown on the next, so psycopg must never prepare.
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=1800,
        pool_use_lifo=True,  # reuse the connection given back last: it needs no ping
        connect_args=connect_args,
        # psycopg decodes json columns with this: pydantic's parser, about six times the
        # standard library's speed on a job's input (a 100-job page holds 100 of them).
        json_deserializer=from_json,
    )
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _mark_idle(_dbapi_connection: object, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(
    dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, proxy: object
) -> None:
    """pool_pre_ping, but only for a connection idle longer than PING_AFTER_IDLE_SECONDS.

    A connection given back moments ago was alive then; pinging it costs every request a
    round trip. A failed ping makes the pool replace the connection (and retry)."""
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # the ping's implicit transaction
    except Exception as error:  # any driver error means: this connection is gone
        raise DisconnectionError(str(error)) from error


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def driver_errors(connection: Connection, statement: str) -> Iterator[None]:
    """psycopg's errors raised as SQLAlchemy's, which callers and the API's error handlers
    know (a lost database answers 503); a connection that broke is never handed out again."""
    try:
        yield
    except psycopg.Error as error:
        driver = psycopg_driver(connection)
        broken = driver is not None and driver.broken
        if broken:
            connection.invalidate()
        raise DBAPIError.instance(
            statement,
            None,
            error,
            psycopg.Error,
            connection_invalidated=broken,
            dialect=connection.dialect,
        ) from error


_PSYCOPG_DIALECT = postgresql_psycopg.dialect()  # type: ignore[no-untyped-call]


def psycopg_sql(statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """The statement's SQL for psycopg to run itself, and its parameters' values as bound
    (literals, the members of an IN list); a `bindparam(name, None)` left for the caller
    comes back as None."""
    done = statement.compile(dialect=_PSYCOPG_DIALECT, compile_kwargs={"render_postcompile": True})
    return str(done), dict(done.params)


def psycopg_driver(connection: Connection) -> psycopg.Connection[Any] | None:
    """The connection's psycopg connection; None on SQLite."""
    driver = connection.connection.driver_connection
    return driver if isinstance(driver, psycopg.Connection) else None
