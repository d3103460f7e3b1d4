"""Where the shared preview PostgreSQL is, and envctl's admin connection to it.

The admin URL comes from `ENVCTL_DATABASE_ADMIN_URL` (a CI secret that never reaches a pod); an
environment's pods reach the server at the same host, with their own role's `DATABASE_URL`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from envctl.model.environment import Environment, EnvironmentKind
from envctl.model.inputs import InputError, require_sql_identifier

ADMIN_URL_ENV = "ENVCTL_DATABASE_ADMIN_URL"
CONNECT_TIMEOUT_SECONDS = 10


class DatabaseError(Exception):
    """The shared PostgreSQL refused or is unreachable; the message says what and where."""


def provisions_database(env: Environment) -> bool:
    """Previews and the permanent preview get a database on the shared server; production
    uses its dedicated database, whose DATABASE_URL comes from Doppler."""
    return env.kind is not EnvironmentKind.PRODUCTION


@dataclass(frozen=True)
class AdminTarget:
    """Where the shared server is, from the admin URL; pods reach it at the same host."""

    url: str
    host: str
    port: int
    sslmode: str | None
    app_port: int | None = None  # pooled mode: the pods' PgBouncer port on the same host

    @property
    def pods_port(self) -> int:
        return self.app_port or self.port


def admin_target(environ: Mapping[str, str], env: Environment) -> AdminTarget:
    """The admin URL from the environment; never echoed, since it holds a password."""
    raw = environ.get(ADMIN_URL_ENV, "").strip()
    expected = "a postgresql://user:password@host:port/database URL for the shared PostgreSQL"
    if not raw:
        raise InputError(ADMIN_URL_ENV, expected + " (the PREVIEW_DATABASE_ADMIN_URL secret)", None)
    if urlsplit(raw).scheme not in ("postgresql", "postgres"):
        raise InputError(ADMIN_URL_ENV, expected, "(a value that is not such a URL; not shown)")
    try:
        parts = conninfo_to_dict(raw)
    except psycopg.ProgrammingError:
        raise InputError(ADMIN_URL_ENV, expected, "(an unparsable URL; not shown)") from None
    host = str(parts.get("host") or "")
    if not host or "," in host or host.startswith("/"):
        raise InputError(ADMIN_URL_ENV, expected + " with one TCP host", "(not shown)")
    port = int(str(parts.get("port") or 5432))
    pooled = env.settings.database_mode == "pooled"
    # Pooled: envctl reaches the server directly; the pods reach PgBouncer beside it.
    _host_is_reachable_from_pods(host, env.settings.database_port if pooled else port, env)
    sslmode = parts.get("sslmode")
    app_port = env.settings.database_port if pooled else None
    return AdminTarget(raw, host, port, str(sslmode) if sslmode else None, app_port)


def _host_is_reachable_from_pods(host: str, port: int, env: Environment) -> None:
    """Pods may only reach `database_cidr:database_port` (NetworkPolicy); say so up front."""
    settings = env.settings
    if port != settings.database_port:
        raise InputError(
            ADMIN_URL_ENV,
            f"port {settings.database_port} (database_port in the config; pods may only use it)",
            port,
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return  # a DNS name: resolved by the pods, not checkable here
    if address not in ipaddress.ip_network(settings.database_cidr):
        raise InputError(
            ADMIN_URL_ENV,
            f"a host inside database_cidr {settings.database_cidr} (the pods' NetworkPolicy "
            "allows only that)",
            host,
        )


def app_database_url(target: AdminTarget, role: str, password: str, database: str) -> str:
    secret = quote(password, safe="")
    url = f"postgresql://{role}:{secret}@{_host(target.host)}:{target.pods_port}/{database}"
    return url + (f"?sslmode={quote(target.sslmode)}" if target.sslmode else "")


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def password_in_url(url: str, target: AdminTarget, role: str, database: str) -> str | None:
    """The password of an existing DATABASE_URL, if it is for this role, database and server."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return None
    same = (
        parts.get("user") == role
        and parts.get("dbname") == database
        and parts.get("host") == target.host
        and int(str(parts.get("port") or 5432)) == target.pods_port
    )
    password = parts.get("password")
    return str(password) if same and password else None


@contextmanager
def admin_connection(
    url: str, database: str | None = None
) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    conninfo = make_conninfo(url, dbname=database) if database else url
    try:
        connection = psycopg.connect(
            conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except psycopg.OperationalError as error:
        raise DatabaseError(
            f"cannot connect to the shared PostgreSQL as admin: {first_line(error)}"
        ) from None
    try:
        yield connection
    except psycopg.Error as error:
        raise DatabaseError(f"the shared PostgreSQL refused: {first_line(error)}") from None
    finally:
        connection.close()


def first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def require_names(role: str, database: str) -> None:
    require_sql_identifier(role, "database role")
    require_sql_identifier(database, "database name")
