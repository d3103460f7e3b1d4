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

import time
from dataclasses import dataclass
from typing import Literal

import psycopg
from psycopg import sql

from envctl.database.passwords import new_password, scram_sha256_verifier
from envctl.database.target import (
    CONNECT_TIMEOUT_SECONDS,
    AdminTarget,
    DatabaseError,
    admin_connection,
    app_database_url,
    require_names,
)
from envctl.model.environment import DATABASE_NAME_PREFIX
from envctl.model.inputs import require_sql_identifier

PasswordChange = Literal["created", "kept", "restored", "rotated"]


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


def room_problem(admin_url: str, role: str, limit: int) -> str | None:
    """Would this environment's limit, with every other app role's, exceed the server's?"""
    require_names(role, role)
    with admin_connection(admin_url) as connection:
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
    require_names(role, database)
    if template is not None:
        require_sql_identifier(template, "--db-template")
    ident_role, ident_db = sql.Identifier(role), sql.Identifier(database)
    with admin_connection(target.url) as connection:
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
    with admin_connection(admin_url, database) as connection:
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
