"""One database connection per request for reads.

It is checked out once (pinged only after idling, see app/db.py), shared by a token
lookup and the view, and runs in autocommit, so a read costs its queries' round trips
and no BEGIN or COMMIT.
Long polls give it back before they wait, so waiting holds no pool connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.services import services


def read_connection() -> Connection:
    connection: Connection | None = g.get("read_connection")
    if connection is None:
        connection = services().database.engine.connect()
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        g.read_connection = connection
    return connection


@contextmanager
def read_session() -> Iterator[Session]:
    """An ORM session on the request's read connection."""
    with Session(bind=read_connection(), expire_on_commit=False) as session:
        yield session


def release_read_connection(_error: BaseException | None = None) -> None:
    connection: Connection | None = g.pop("read_connection", None)
    if connection is not None:
        connection.close()
