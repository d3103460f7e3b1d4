"""`envctl pooler config|setup`: the operator's PgBouncer beside the shared preview PostgreSQL.

`config` prints the whole pgbouncer.ini from `[pooler]` (nothing per preview in it); `setup`
makes the server ready for it once: the two roles and the lookup function
(envctl/database/pooler.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from envctl.commands.tools import CommandFailed
from envctl.database.pooler import AUTH_ROLE, install_lookup, pgbouncer_ini
from envctl.database.target import ADMIN_URL_ENV, DatabaseError
from envctl.model.config import load_config
from envctl.model.inputs import InputError

AUTH_PASSWORD_ENV = "ENVCTL_POOLER_AUTH_PASSWORD"  # noqa: S105  (a variable's name)

pooler_app = typer.Typer(
    name="pooler",
    help="PgBouncer in front of the shared preview PostgreSQL (database_mode = 'pooled').",
    no_args_is_help=True,
)


@pooler_app.command(name="config")
def config_command(
    config: Annotated[Path | None, typer.Option("--config", help="envctl.toml to read.")] = None,
    server_host: Annotated[str, typer.Option(help="Where PgBouncer reaches PostgreSQL.")] = (
        "127.0.0.1"
    ),
    server_port: Annotated[int, typer.Option(help="PostgreSQL's port.")] = 5432,
    listen_addr: Annotated[str, typer.Option(help="Where the pods reach PgBouncer.")] = "*",
    auth_file: Annotated[str, typer.Option(help="pgbouncer_auth's password file.")] = (
        "/etc/pgbouncer/userlist.txt"
    ),
) -> None:
    """Print pgbouncer.ini: listen on the previews' database_port, pool per [pooler]."""
    from envctl.cli.options import user_errors

    with user_errors():
        loaded = load_config(config)
        try:
            text = pgbouncer_ini(
                loaded.pooler,
                server_host=server_host,
                server_port=server_port,
                listen_addr=listen_addr,
                listen_port=loaded.environments.preview.database_port,
                auth_file=auth_file,
            )
        except ValueError as error:
            raise InputError(
                "--server-host/--listen-addr/--auth-file", "plain values", str(error)
            ) from None
        if loaded.environments.preview.database_mode != "pooled":
            typer.echo(
                "envctl: note: environments.preview.database_mode is 'direct'; set it to "
                "'pooled' and database_port to PgBouncer's port before using this",
                err=True,
            )
        typer.echo(text, nl=False)


@pooler_app.command(name="setup")
def setup_command() -> None:
    """Once, as a superuser: roles pgbouncer_lookup and pgbouncer_auth, the lookup function in
    template1 and every existing environment database. Idempotent."""
    from envctl.cli.options import command_errors

    with command_errors("pooler setup"):
        admin_url = os.environ.get(ADMIN_URL_ENV, "").strip()
        password = os.environ.get(AUTH_PASSWORD_ENV, "")
        if not admin_url:
            raise InputError(ADMIN_URL_ENV, "the shared PostgreSQL's superuser URL", None)
        if len(password) < 16:
            raise InputError(AUTH_PASSWORD_ENV, f"{AUTH_ROLE}'s password, 16+ characters", None)
        try:
            databases = install_lookup(admin_url, password)
        except DatabaseError as error:
            raise CommandFailed(str(error)) from None
        typer.echo(f"pooler lookup installed in {len(databases)} databases: {', '.join(databases)}")
        typer.echo(f'auth_file line for PgBouncer: "{AUTH_ROLE}" "<{AUTH_PASSWORD_ENV}>"')
