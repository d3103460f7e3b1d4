"""Removing an environment's database and role from the shared server, connections first."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from envctl.database.target import admin_connection, require_names


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
    require_names(role, database)
    ident_role, ident_db = sql.Identifier(role), sql.Identifier(database)
    with admin_connection(admin_url) as connection:
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
