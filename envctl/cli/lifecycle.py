"""`envctl deploy`, `destroy`, `gc`, `list` and `histories`: environments on a cluster."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from envctl.cli.options import (
    ENVIRONMENT,
    ENVIRONMENT_AND_IMAGE,
    PREFIX_ONLY,
    ConfigFlags,
    TimeoutOption,
    command_errors,
    config_flags,
    lifecycle_tools,
    require_new_or_empty,
)
from envctl.cluster.kubectl import Kubectl
from envctl.commands.deploy import DeployOptions, deploy
from envctl.commands.destroy import DestroyOptions, destroy
from envctl.commands.gc import gc as collect_garbage
from envctl.commands.listing import environment_rows, table
from envctl.commands.report import publish
from envctl.commands.tools import CommandFailed
from envctl.model.inputs import (
    InputError,
    parse_duration,
    require_commit,
    require_host_port,
    require_sql_identifier,
    require_temporal_namespace,
)


@config_flags(selects=ENVIRONMENT_AND_IMAGE)
def deploy_command(
    commit: Annotated[
        str | None,
        typer.Option("--commit", metavar="SHA", help="The commit the image was built from."),
    ] = None,
    timeout: TimeoutOption = "10m",
    rotate_db_password: Annotated[
        bool,
        typer.Option(
            "--rotate-db-password", help="Give the database role a new password (pods restart)."
        ),
    ] = False,
    db_template: Annotated[
        str | None,
        typer.Option(
            "--db-template",
            metavar="NAME",
            help="Create a new database as a clone of this seed database.",
        ),
    ] = None,
    skip_smoke: Annotated[
        bool, typer.Option("--skip-smoke", help="Do not smoke-test the environment.")
    ] = False,
    skip_worker_versions: Annotated[
        bool,
        typer.Option(
            "--skip-worker-versions",
            help="Production: do not make the new worker build current in Temporal.",
        ),
    ] = False,
    *,
    flags: ConfigFlags,
) -> None:
    """Provision, apply, wait for the rollout, smoke-test and report. Idempotent."""
    with command_errors("deploy"):
        if flags.image is None:
            raise InputError(
                "--image", "the image to deploy, pinned: repo:tag or repo@sha256:...", None
            )
        options = DeployOptions(
            commit=require_commit(commit) if commit is not None else None,
            timeout_seconds=parse_duration(timeout, "--timeout", bare_seconds=True),
            rotate_db_password=rotate_db_password,
            db_template=(
                require_sql_identifier(db_template, "--db-template") if db_template else None
            ),
            smoke=not skip_smoke,
            worker_versions=not skip_worker_versions,
        )
        env = flags.environment(commit=options.commit)
        report = deploy(env, options, lifecycle_tools())
        publish(report, os.environ, typer.echo)


@config_flags(PREFIX_ONLY, selects=ENVIRONMENT)
def destroy_command(
    destroy_production: Annotated[
        bool,
        typer.Option("--destroy-production", help="Required to destroy production."),
    ] = False,
    timeout: TimeoutOption = "5m",
    *,
    flags: ConfigFlags,
) -> None:
    """Delete the namespace (and wait), then the database and role. Idempotent."""
    with command_errors("destroy"):
        options = DestroyOptions(
            destroy_production=destroy_production,
            timeout_seconds=parse_duration(timeout, "--timeout", bare_seconds=True),
        )
        env = flags.environment()
        report = destroy(env, options, lifecycle_tools())
        publish(report, os.environ, typer.echo)


@config_flags(PREFIX_ONLY)
def gc_command(
    ttl: Annotated[
        str, typer.Option("--ttl", metavar="DURATION", help="Idle time before a preview expires.")
    ] = "3d",
    apply: Annotated[
        bool, typer.Option("--apply", help="Destroy the expired previews (default: report).")
    ] = False,
    *,
    flags: ConfigFlags,
) -> None:
    """Find previews whose PR is closed or idle longer than --ttl; --apply destroys them."""
    with command_errors("gc"):
        seconds = parse_duration(ttl, "--ttl")
        failures = collect_garbage(
            flags.load(), ttl_seconds=seconds, apply=apply, tools=lifecycle_tools()
        )
        if failures:
            raise CommandFailed(f"{failures} preview(s) could not be destroyed (see above)")


def list_command() -> None:
    """A table of the environments envctl manages: kind, PR, age, image, readiness, URLs."""
    with command_errors("list"):
        tools = lifecycle_tools()
        try:
            rows = environment_rows(tools.kubectl, datetime.now(UTC))
        except Exception as error:  # KubectlError, or an answer we cannot read
            raise CommandFailed(f"cannot list environments: {error}") from None
        for line in table(rows):
            typer.echo(line)


@config_flags(PREFIX_ONLY, selects=ENVIRONMENT)
def histories_command(
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Write the files into DIR (new or empty).")
    ],
    since: Annotated[
        str, typer.Option("--since", metavar="DURATION", help="Closed within this long: 90m, 7d.")
    ] = "7d",
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many histories.")
    ] = 200,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            metavar="HOST:PORT",
            help="Temporal frontend to read [default: port-forward to the environment's "
            "temporal-server Service].",
        ),
    ] = None,
    temporal_namespace: Annotated[
        str, typer.Option("--temporal-namespace", help="The Temporal namespace.")
    ] = "default",
    *,
    flags: ConfigFlags,
) -> None:
    """Export recent closed workflow histories of the app's job types, for replay."""
    with command_errors("histories"):
        require_new_or_empty(out)
        seconds = parse_duration(since, "--since")
        if address is not None:
            require_host_port(address, "--address")
        require_temporal_namespace(temporal_namespace, "--temporal-namespace")
        env = flags.environment()
        # Imported here: the job registry it loads (SQLAlchemy, the app) costs seconds elsewhere
        from envctl.commands.histories import export_from_environment

        exported = export_from_environment(
            env,
            out,
            address=address,
            temporal_namespace=temporal_namespace,
            since_seconds=seconds,
            limit=limit,
            kubectl=Kubectl(),
        )
        for path in exported.paths:
            typer.echo(f"  {path}")
        others = ", ".join(f"{name} x{count}" for name, count in sorted(exported.skipped.items()))
        typer.echo(
            f"exported {len(exported.paths)} closed histories from {env.namespace} to {out}"
            + (f" (not the app's job types, skipped: {others})" if others else "")
        )
