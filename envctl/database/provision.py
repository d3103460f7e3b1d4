"""An environment's own database and role on the shared preview PostgreSQL.

envctl connects with the admin URL from `ENVCTL_DATABASE_ADMIN_URL` (a CI secret that never
reaches a pod) and creates, for environment `pr-N`:

- role `app_pr_N`: LOGIN, a random password sent as a SCRAM verifier, and a CONNECTION LIMIT
  computed from the environment's pool sizes (`connection_budget`), so no preview can take
  more of the shared server's connections than it can use;
- database `app_pr_N` owned by it, optionally cloned from a seed template;
- CONNECT revoked from PUBLIC and granted to the role only: no preview opens another's database.

Names are the model's, checked again here, and always quoted by psycopg (`sql.Identifier`).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from envctl.database.passwords import new_password, scram_sha256_verifier
from envctl.manifests.base import Manifest
from envctl.manifests.secrets import DATABASE_SECRET
from envctl.model.environment import DATABASE_NAME_PREFIX, Environment, EnvironmentKind
from envctl.model.inputs import InputError, require_sql_identifier

ADMIN_URL_ENV = "ENVCTL_DATABASE_ADMIN_URL"
CONNECT_TIMEOUT_SECONDS = 10
# One connection beyond what the pods can open: the deploy's own login check, or a person's psql.
HEADROOM_CONNECTIONS = 1
PasswordChange = Literal["created", "kept", "restored", "rotated"]


class DatabaseError(Exception):
    """The shared PostgreSQL refused or is unreachable; the message says what and where."""


def provisions_database(env: Environment) -> bool:
    """Previews and the permanent preview get a database on the shared server; production
    uses its dedicated database, whose DATABASE_URL comes from Doppler."""
    return env.kind is not EnvironmentKind.PRODUCTION


# ---------------------------------------------------------------------------------------------
# Inputs: the admin URL and the app's DATABASE_URL


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


# ---------------------------------------------------------------------------------------------
# The connection limit


@dataclass(frozen=True)
class ConnectionBudget:
    """How many connections the environment's pods can hold at once, at most."""

    parts: list[tuple[str, int]]

    @property
    def limit(self) -> int:
        return sum(count for _, count in self.parts) + HEADROOM_CONNECTIONS

    def explain(self) -> str:
        terms = [f"{count} ({what})" for what, count in self.parts]
        terms.append(f"{HEADROOM_CONNECTIONS} (headroom: deploy's check, an operator's psql)")
        return " + ".join(terms) + f" = {self.limit}"


def _uses_database(container: Manifest) -> bool:
    sources = container.get("envFrom", [])
    return any(s.get("secretRef", {}).get("name") == DATABASE_SECRET for s in sources)


def _container_connections(container: Manifest, env: Environment) -> int:
    command = container.get("command", [])
    if command[:3] == ["python", "-m", "app.migrate"]:
        return 1  # alembic upgrades over one connection
    if command[:1] == ["gunicorn"]:
        return env.settings.web_workers * env.settings.db_pool_size  # one engine per worker
    return env.settings.db_pool_size  # one engine per process (python-worker)


def _pods_at_once(workload: Manifest, objects: list[Manifest]) -> tuple[int, str]:
    spec = workload["spec"]
    replicas = spec.get("replicas")
    if replicas is None:  # an HPA owns the count: its maximum
        replicas = next(
            o["spec"]["maxReplicas"]
            for o in objects
            if o["kind"] == "HorizontalPodAutoscaler"
            and o["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]
        )
    surge = int(spec.get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", 0))
    # A rolling update runs the old pods (maxUnavailable 0) next to the surge pods.
    how = f"{replicas} + {surge} surge" if surge else f"{replicas}, {spec['strategy']['type']}"
    return int(replicas) + surge, how


def connection_budget(env: Environment, objects: list[Manifest]) -> ConnectionBudget:
    parts = []
    for workload in objects:
        if workload["kind"] != "Deployment":
            continue
        pod = workload["spec"]["template"]["spec"]
        regular = [c for c in pod["containers"] if _uses_database(c)]
        init = [c for c in pod.get("initContainers", []) if _uses_database(c)]
        if not regular and not init:
            continue
        # An init container runs before the others: a pod holds the larger of the two.
        per_pod = max(
            [
                sum(_container_connections(c, env) for c in regular),
                *(_container_connections(c, env) for c in init),
            ]
        )
        pods, how = _pods_at_once(workload, objects)
        name = workload["metadata"]["name"]
        plural = "pod" if pods == 1 else "pods"
        parts.append((f"{name}: {pods} {plural} ({how}) x {per_pod}", pods * per_pod))
    return ConnectionBudget(parts)


# ---------------------------------------------------------------------------------------------
# Provisioning


@dataclass(frozen=True)
class Provisioned:
    url: str
    role_created: bool
    database_created: bool
    password: PasswordChange
    connection_limit: int
    limit_changed: bool
    clone_seconds: float | None

    @property
    def changed(self) -> bool:
        return (
            self.role_created
            or self.database_created
            or self.limit_changed
            or self.password != "kept"  # noqa: S105  (a change, not a password)
        )

    @property
    def limit_text(self) -> str:
        if self.connection_limit < 0:
            return "no server connection limit (pooled: PgBouncer caps it)"
        return f"connection limit {self.connection_limit}"

    def summary(self) -> str:
        if not self.changed:
            return f"unchanged (password kept, {self.limit_text})"
        parts = []
        parts.append("role created" if self.role_created else "")
        if self.database_created:
            clone = f" (cloned in {self.clone_seconds:.2f}s)" if self.clone_seconds else ""
            parts.append("database created" + clone)
        parts.append(f"password {self.password}")
        parts.append(self.limit_text + (" (changed)" if self.limit_changed else ""))
        return ", ".join(part for part in parts if part)


@contextmanager
def _admin(url: str, database: str | None = None) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    conninfo = make_conninfo(url, dbname=database) if database else url
    try:
        connection = psycopg.connect(
            conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except psycopg.OperationalError as error:
        raise DatabaseError(
            f"cannot connect to the shared PostgreSQL as admin: {_first_line(error)}"
        ) from None
    try:
        yield connection
    except psycopg.Error as error:
        raise DatabaseError(f"the shared PostgreSQL refused: {_first_line(error)}") from None
    finally:
        connection.close()


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _names(role: str, database: str) -> None:
    require_sql_identifier(role, "database role")
    require_sql_identifier(database, "database name")


def room_problem(admin_url: str, role: str, limit: int) -> str | None:
    """Would this environment's limit, with every other app role's, exceed the server's?"""
    _names(role, role)
    with _admin(admin_url) as connection:
        row = connection.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " coalesce(current_setting('reserved_connections', true), '0')::int"
        ).fetchone()
        max_connections, superuser_reserved, reserved = (int(str(v)) for v in row or (0, 0, 0))
        others = connection.execute(
            "SELECT rolname, rolconnlimit FROM pg_roles"
            " WHERE rolcanlogin AND starts_with(rolname, %s) AND rolname <> %s",
            (DATABASE_NAME_PREFIX, role),
        ).fetchall()
    usable = max_connections - superuser_reserved - reserved
    unlimited = [str(name) for name, limit_ in others if int(str(limit_)) < 0]
    if unlimited:
        return f"roles without a connection limit share the server: {', '.join(sorted(unlimited))}"
    held = sum(int(str(limit_)) for _, limit_ in others)
    if held + limit > usable:
        return (
            f"the shared PostgreSQL has room for {usable} connections (max_connections "
            f"{max_connections} - {superuser_reserved + reserved} reserved); {len(others)} other "
            f"environments may hold {held}; this one needs {limit}; missing "
            f"{held + limit - usable}. Destroy idle previews (envctl gc --apply) or raise "
            "max_connections"
        )
    return None


def _login_works(url: str) -> bool | None:
    """True if the password logs in, False if it is refused, None if we cannot tell."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS):
            return True
    except psycopg.OperationalError as error:
        return False if "password authentication failed" in str(error) else None


def provision(
    target: AdminTarget,
    role: str,
    database: str,
    *,
    connection_limit: int,
    known_password: str | None,
    rotate: bool = False,
    template: str | None = None,
) -> Provisioned:
    """Create or converge the role and database; keep the data, and the password unless asked."""
    _names(role, database)
    if template is not None:
        require_sql_identifier(template, "--db-template")
    ident_role, ident_db = sql.Identifier(role), sql.Identifier(database)
    with _admin(target.url) as connection:
        row = connection.execute(
            "SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        role_exists = row is not None
        old_limit = int(str(row[0])) if row is not None else None

        password = known_password if known_password and not rotate else new_password()
        url = app_database_url(target, role, password, database)
        change: PasswordChange
        set_password = True
        if not role_exists:
            change = "restored" if password == known_password else "created"
        elif password != known_password:
            change = "rotated"
        elif _login_works(url) is False:
            change = "restored"  # the secret's password no longer matched: make it match again
        else:
            change, set_password = "kept", False

        verifier = sql.Literal(scram_sha256_verifier(connection, role, password))
        if not role_exists:
            connection.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                    "NOREPLICATION NOBYPASSRLS CONNECTION LIMIT {} PASSWORD {}"
                ).format(ident_role, sql.Literal(connection_limit), verifier)
            )
        else:
            if old_limit != connection_limit:
                connection.execute(
                    sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
                        ident_role, sql.Literal(connection_limit)
                    )
                )
            if set_password:
                connection.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident_role, verifier)
                )

        owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        clone_seconds = None
        if owner is None:
            create = sql.SQL("CREATE DATABASE {} OWNER {}").format(ident_db, ident_role)
            if template is not None:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            started = time.monotonic()
            connection.execute(create)
            if template is not None:
                _hand_over_objects(target.url, database, role)
                clone_seconds = time.monotonic() - started
        elif owner[0] != role:
            raise DatabaseError(
                f"database {database} exists but belongs to {owner[0]}, not {role}; "
                "envctl does not take over a database it did not create"
            )
        # Only the environment's own role may connect: no preview opens another's database.
        connection.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident_db))
        connection.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(ident_db, ident_role)
        )
    return Provisioned(
        url=url,
        role_created=not role_exists,
        database_created=owner is None,
        password=change,
        connection_limit=connection_limit,
        limit_changed=role_exists and old_limit != connection_limit,
        clone_seconds=clone_seconds,
    )


_RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
    "S": "SEQUENCE",
}
_SCHEMAS_TO_HAND_OVER = """
    SELECT n.nspname, 'SCHEMA' FROM pg_namespace n
    WHERE NOT starts_with(n.nspname, 'pg_') AND n.nspname <> 'information_schema'
      AND pg_get_userbyid(n.nspowner) NOT IN (%s, 'pg_database_owner')
      AND n.nspname <> 'pgbouncer'  -- the pooler's lookup function stays its owner's
"""
# Sequences owned by a column follow their table, indexes theirs, extension objects stay.
_RELATIONS_TO_HAND_OVER = """
    SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT starts_with(n.nspname, 'pg_') AND n.nspname <> 'information_schema'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND pg_get_userbyid(c.relowner) <> %s
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
"""
_TYPES_TO_HAND_OVER = """
    SELECT n.nspname, t.typname, t.typtype::text FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE NOT starts_with(n.nspname, 'pg_') AND n.nspname <> 'information_schema'
      AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> %s
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                      AND d.objid = t.oid AND d.deptype = 'e')
"""


def _hand_over_objects(admin_url: str, database: str, role: str) -> None:
    """A clone keeps the template's owners: give its schemas, relations and types to `role`."""
    owner = sql.Identifier(role)
    with _admin(admin_url, database) as connection:
        statements = [
            sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(sql.Identifier(str(schema)), owner)
            for schema, _ in connection.execute(_SCHEMAS_TO_HAND_OVER, (role,)).fetchall()
        ]
        for schema, name, kind in connection.execute(_RELATIONS_TO_HAND_OVER, (role,)).fetchall():
            statements.append(
                sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                    sql.SQL(_RELATION_KINDS[str(kind)]),
                    sql.Identifier(str(schema)),
                    sql.Identifier(str(name)),
                    owner,
                )
            )
        for schema, name, kind in connection.execute(_TYPES_TO_HAND_OVER, (role,)).fetchall():
            statements.append(
                sql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                    sql.SQL("DOMAIN" if kind == "d" else "TYPE"),
                    sql.Identifier(str(schema)),
                    sql.Identifier(str(name)),
                    owner,
                )
            )
        for statement in statements:
            connection.execute(statement)


# ---------------------------------------------------------------------------------------------
# Removal


@dataclass(frozen=True)
class Dropped:
    database_existed: bool
    role_existed: bool
    terminated: int

    @property
    def changed(self) -> bool:
        return self.database_existed or self.role_existed


def drop(admin_url: str, role: str, database: str) -> Dropped:
    """Close every connection, then drop the database and the role; a no-op if both are gone."""
    _names(role, database)
    ident_role, ident_db = sql.Identifier(role), sql.Identifier(database)
    with _admin(admin_url) as connection:
        database_existed = (
            connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            is not None
        )
        role_existed = (
            connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            is not None
        )
        if database_existed:
            # No new sessions, then end the open ones; FORCE covers one that slips in between.
            connection.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(ident_db)
            )
        if role_existed:
            connection.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(ident_role))
        terminated = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE (datname = %s OR usename = %s) AND pid <> pg_backend_pid()",
            (database, role),
        ).fetchone()
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident_db))
        connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident_role))
    count = int(str(terminated[0])) if terminated else 0
    return Dropped(database_existed, role_existed, count)
