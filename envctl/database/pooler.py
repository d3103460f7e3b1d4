"""PgBouncer in front of the shared preview PostgreSQL: `database_mode = "pooled"`.

The operator runs one PgBouncer beside the shared server, configured once from `[pooler]`
(`pgbouncer_ini`). It knows no preview: a fallback database entry (`* = host=...`) routes any
database name to the server, and `auth_query` asks the server for the role's SCRAM verifier
through `pgbouncer.user_lookup`, a SECURITY DEFINER function owned by the NOLOGIN role
`pgbouncer_lookup`, which may read five columns of `pg_authid` and nothing else. PgBouncer
logs in as `pgbouncer_auth`, whose only rights are EXECUTE on that function and CONNECT.

PgBouncer 1.18 (Debian bookworm) runs `auth_query` inside the database the client asked for
(`auth_dbname` arrived in 1.20), so the function lives in `template1`, from which every preview
database is created, and each preview database grants CONNECT to `pgbouncer_auth`.
The function answers only for the role named like the database it runs in: through the pooler
a preview's role reaches its own database and no other, before the server checks again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from psycopg import sql

from envctl.database.passwords import scram_sha256_verifier
from envctl.database.target import DatabaseError, admin_connection
from envctl.model.config_services import Pooler
from envctl.model.environment import DATABASE_NAME_PREFIX
from envctl.model.inputs import require_sql_identifier

AUTH_ROLE = "pgbouncer_auth"
LOOKUP_OWNER = "pgbouncer_lookup"
LOOKUP_SCHEMA = "pgbouncer"
LOOKUP_FUNCTION = f"{LOOKUP_SCHEMA}.user_lookup(text)"
AUTH_QUERY = "SELECT usename, passwd FROM pgbouncer.user_lookup($1)"
# Only what the lookup needs; the grant lives in each database's copy of pg_class.
AUTHID_COLUMNS = ("rolname", "rolpassword", "rolcanlogin", "rolsuper", "rolvaliduntil")
_INI_VALUE = re.compile(r"^(\*|[A-Za-z0-9._:/\[\]-]+)$")

_LOOKUP_BODY = """
CREATE OR REPLACE FUNCTION {schema}.user_lookup(name text)
RETURNS TABLE (usename text, passwd text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT rolname::text, rolpassword FROM pg_catalog.pg_authid
  WHERE rolname = name AND rolname = current_database()
    AND rolcanlogin AND NOT rolsuper AND starts_with(rolname, {prefix})
    AND (rolvaliduntil IS NULL OR rolvaliduntil > now())
$$
"""


def _ini_value(value: str, what: str) -> str:
    if not _INI_VALUE.match(value):
        raise ValueError(f"{what}: {value!r} is not a plain host, address or path")
    return value


def pgbouncer_ini(
    pooler: Pooler,
    *,
    server_host: str,
    server_port: int,
    listen_addr: str,
    listen_port: int,
    auth_file: str,
    extra: Mapping[str, str] | None = None,
) -> str:
    """The whole pgbouncer.ini: the same for 1 preview or 100; nothing per preview in it."""
    settings = {
        "listen_addr": _ini_value(listen_addr, "listen_addr"),
        "listen_port": str(listen_port),
        "unix_socket_dir": "",
        "auth_type": "scram-sha-256",
        "auth_file": _ini_value(auth_file, "auth_file"),
        "auth_user": AUTH_ROLE,
        "auth_query": AUTH_QUERY,
        "pool_mode": "transaction",
        "max_client_conn": str(pooler.max_client_conn),
        "default_pool_size": str(pooler.default_pool_size),
        "max_db_connections": str(pooler.max_db_connections),
        "server_idle_timeout": f"{pooler.server_idle_timeout_seconds:g}",
        "query_wait_timeout": f"{pooler.query_wait_timeout_seconds:g}",
        # A failed server login holds a pool's clients off for this long; keep it short.
        "server_login_retry": "1",
        **(extra or {}),
    }
    host = _ini_value(server_host, "server host")
    lines = ["[databases]", f"* = host={host} port={server_port}", "", "[pgbouncer]"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def auth_file_line(password: str) -> str:
    """pgbouncer_auth's line in PgBouncer's auth_file (mode 600, beside the server only)."""
    return f'"{AUTH_ROLE}" "{password}"\n'


def _database_statements(database: str) -> list[sql.Composed]:
    schema, owner, auth = (sql.Identifier(n) for n in (LOOKUP_SCHEMA, LOOKUP_OWNER, AUTH_ROLE))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in AUTHID_COLUMNS)
    function = sql.SQL("{}.user_lookup(text)").format(schema)
    statements: list[sql.Composed] = [
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(schema, owner),
        sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, auth),
        sql.SQL("GRANT SELECT ({}) ON pg_catalog.pg_authid TO {}").format(columns, owner),
        sql.SQL(_LOOKUP_BODY).format(schema=schema, prefix=sql.Literal(DATABASE_NAME_PREFIX)),
        sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(function, owner),
        sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(function),
        sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(function, auth),
    ]
    if database != "template1":
        statements.append(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), auth)
        )
    return statements


def install_lookup(admin_url: str, auth_password: str) -> list[str]:
    """The operator's one-time setup (a superuser): both roles, and the function in
    template1 and in every existing environment database. Idempotent; returns the databases."""
    with admin_connection(admin_url) as connection:
        verifier = sql.Literal(scram_sha256_verifier(connection, AUTH_ROLE, auth_password))
        existing = {
            str(name)
            for (name,) in connection.execute(
                "SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", (AUTH_ROLE, LOOKUP_OWNER)
            ).fetchall()
        }
        if LOOKUP_OWNER not in existing:
            connection.execute(
                sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(LOOKUP_OWNER))
            )
        verb = "ALTER" if AUTH_ROLE in existing else "CREATE"
        connection.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                sql.Identifier(AUTH_ROLE), verifier
            )
        )
        databases = [
            str(name)
            for (name,) in connection.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY datname",
                (DATABASE_NAME_PREFIX,),
            ).fetchall()
        ]
    for database in ["template1", *databases]:
        require_sql_identifier(database, "database name")
        with admin_connection(admin_url, database) as connection:
            for statement in _database_statements(database):
                connection.execute(statement)
    return ["template1", *databases]


def admit_pooler(admin_url: str, database: str) -> None:
    """Let PgBouncer look up this database's role: CONNECT for pgbouncer_auth, and the
    lookup function present (inherited from template1)."""
    require_sql_identifier(database, "database name")
    with admin_connection(admin_url) as connection:
        if (
            connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (AUTH_ROLE,)).fetchone()
            is None
        ):
            raise DatabaseError(_not_set_up(f"role {AUTH_ROLE} does not exist"))
        connection.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(AUTH_ROLE)
            )
        )
    with admin_connection(admin_url, database) as connection:
        row = connection.execute("SELECT to_regprocedure(%s)", (LOOKUP_FUNCTION,)).fetchone()
    if row is None or row[0] is None:
        raise DatabaseError(
            _not_set_up(
                f"database {database} has no {LOOKUP_FUNCTION} (it was not created from "
                "template1 after the setup, or its template lacks it)"
            )
        )


def _not_set_up(what: str) -> str:
    return (
        f"the shared PostgreSQL is not set up for the pooler: {what}; run `envctl pooler setup` "
        "once as a superuser (docs/deployment.md, pooled mode)"
    )


def pooler_room_problem(admin_url: str, role: str, budget: int, pooler: Pooler) -> str | None:
    """Would this environment's client budget, with every other environment's, exceed what the
    PgBouncer accepts? Every other environment on the server is counted at the same budget."""
    require_sql_identifier(role, "database role")
    with admin_connection(admin_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_roles"
            " WHERE rolcanlogin AND starts_with(rolname, %s) AND rolname <> %s",
            (DATABASE_NAME_PREFIX, role),
        ).fetchone()
    others = int(str(row[0])) if row else 0
    room = pooler.max_client_conn - pooler.reserved_client_connections
    held = others * budget
    if held + budget <= room:
        return None
    return (
        f"the preview PgBouncer has room for {room} client connections (max_client_conn "
        f"{pooler.max_client_conn} - {pooler.reserved_client_connections} reserved); "
        f"{others} other environments may hold {held} ({budget} each); this one needs "
        f"{budget}; missing {held + budget - room}. Destroy idle previews (envctl gc --apply) "
        "or raise [pooler] max_client_conn and the PgBouncer's (envctl pooler config)"
    )
