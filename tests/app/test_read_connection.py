"""The request's read connection: autocommit while the request reads, never after.

The pool hands the same connection to writes, which need transactions; a connection whose
autocommit cannot be turned off must never be handed out again.
"""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from app.api.job_out import OWNED_JOB
from app.api.reads import read_connection, release_read_connection
from app.db import utcnow
from app.models import Job
from app.services import Services


def services_of(app: Flask) -> Services:
    found: Services = app.extensions["services"]
    return found


def finished_job(app: Flask, client: FlaskClient, auth: dict[str, str]) -> str:
    me = client.get("/api/auth/me", headers=auth).get_json()
    job_id = str(uuid.uuid4())
    with services_of(app).database.session() as session:
        session.add(
            Job(
                id=job_id,
                owner_id=me["id"],
                type="echo",
                status="succeeded",
                input={"message": "read"},
                result={"message": "read"},
                finished_at=utcnow(),
            )
        )
    return job_id


def test_a_read_gives_its_connection_back_out_of_autocommit(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    job_id = finished_job(app, client, auth)
    answer = client.get(f"/api/jobs/{job_id}", headers=auth)
    assert answer.status_code == 200
    assert answer.get_json()["result"] == {"message": "read"}
    # The pool is LIFO: this is the connection the read just gave back.
    with services_of(app).database.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None and driver.autocommit is False
    # And a write on it still runs in a transaction that rolls back as a whole.
    with services_of(app).database.engine.connect() as connection:
        connection.exec_driver_sql("CREATE TEMPORARY TABLE t (x int)")
        connection.rollback()
        assert connection.exec_driver_sql("SELECT to_regclass('pg_temp.t')").scalar() is None


def test_a_connection_left_in_a_transaction_is_never_reused(app: Flask) -> None:
    with app.test_request_context("/api/jobs"):
        connection = read_connection()
        driver = connection.connection.driver_connection
        connection.exec_driver_sql("BEGIN")  # autocommit cannot be turned off now
        release_read_connection()
    assert driver is not None and driver.closed
    with services_of(app).database.engine.connect() as again:
        assert again.connection.driver_connection is not driver


def test_a_lost_connection_under_a_psycopg_read_is_sqlalchemys_error_and_never_reused(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    """The reads and writes psycopg runs itself fail as SQLAlchemy's queries do: the API
    answers a lost database with 503, and the broken connection is dropped, not pooled."""
    database = services_of(app).database
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PreparedRead runs through SQLAlchemy on SQLite")
    if services_of(app).settings.db_transaction_pooling:
        pytest.skip("pooled mode: the read's server session is PgBouncer's to hand out")
    me = client.get("/api/auth/me", headers=auth).get_json()
    with app.test_request_context("/api/jobs"):
        connection = read_connection()
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with database.engine.connect() as other:  # the server drops the read's session
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend or 0)})")
        with pytest.raises(OperationalError) as lost:
            OWNED_JOB.first({"job_id": str(uuid.uuid4()), "owner_id": me["id"]})
        assert lost.value.connection_invalidated
        assert connection.invalidated
        release_read_connection()
    answer = client.get(f"/api/jobs/{uuid.uuid4()}", headers=auth)  # a fresh connection
    assert answer.status_code == 404
