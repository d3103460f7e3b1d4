"""`envctl render`, `validate` and `address`: what an environment is, offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from app.temporal_address import RULE_DESCRIPTIONS
from envctl.checks.validate import run_checks
from envctl.cli.options import (
    CHECK_FAILED,
    ENVIRONMENT,
    ENVIRONMENT_AND_IMAGE,
    PREFIX_ONLY,
    ConfigFlags,
    config_flags,
    require_new_or_empty,
    user_errors,
)
from envctl.manifests.container_env import container_address, temporal_clients
from envctl.manifests.render import build_objects, to_yaml, write_files
from envctl.model.inputs import InputError


@config_flags(selects=ENVIRONMENT_AND_IMAGE)
def render(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="DIR", help="Write one file per object into DIR (empty or new)."
        ),
    ] = None,
    deployed_at: Annotated[
        str | None,
        typer.Option(
            "--deployed-at",
            metavar="TIME",
            help="ISO 8601 time for the namespace's deployed-at label "
            "[default: 1970-01-01T00:00:00Z, so render is deterministic].",
        ),
    ] = None,
    *,
    flags: ConfigFlags,
) -> None:
    """Print the environment's manifests as YAML in apply order, or write them into DIR."""
    with user_errors():
        if out is not None:
            require_new_or_empty(out)
        env = flags.environment(deployed_at=deployed_at)
    objects = build_objects(env)
    if out is None:
        typer.echo(to_yaml(objects), nl=False)
        return
    paths = write_files(objects, out)
    typer.echo(f"wrote {len(paths)} files to {out}", err=True)


@config_flags(selects=ENVIRONMENT_AND_IMAGE)
def validate(
    skip_checkov: Annotated[
        bool, typer.Option("--skip-checkov", help="Skip checkov (for a quick local loop).")
    ] = False,
    *,
    flags: ConfigFlags,
) -> None:
    """Run every check (schemas, policies, isolation, checkov) offline; exit 1 on any failure."""
    with user_errors():
        env = flags.environment()
    typer.echo(f"envctl validate {env.kind.value} (namespace {env.namespace}, image {env.image})")
    failed = 0
    total = 0
    for result in run_checks(env, with_checkov=not skip_checkov):
        total += 1
        failed += 0 if result.ok else 1
        for line in result.lines():
            typer.echo(line)
    if failed:
        typer.echo(f"{failed} of {total} checks failed")
        raise typer.Exit(CHECK_FAILED)
    typer.echo(f"all {total} checks passed")


@config_flags(PREFIX_ONLY, selects=ENVIRONMENT)
def address(
    container: Annotated[
        str,
        typer.Option(
            "--container", metavar="NAME", help="web, migrate or python-worker [default: web]."
        ),
    ] = "web",
    setting: Annotated[
        str | None,
        typer.Option(
            "--setting",
            metavar="HOST:PORT",
            help="TEMPORAL_SERVER_ADDRESS as the secret gives it "
            "[default: TEMPORAL_SERVER_ADDRESS from envctl's own environment, else unset].",
        ),
    ] = None,
    *,
    flags: ConfigFlags,
) -> None:
    """Print the Temporal address a container resolves, and the rule that gave it."""
    with user_errors():
        env = flags.environment()
        value = setting if setting is not None else os.environ.get("TEMPORAL_SERVER_ADDRESS")
        objects = build_objects(env)
        resolved = container_address(env, objects, container, value)
        if resolved is None:
            names = sorted({spec["name"] for spec in temporal_clients(env, objects)})
            raise InputError("--container", f"one of {', '.join(names)}", container)
    typer.echo(resolved.address)
    typer.echo(f"rule: {resolved.rule.value} ({RULE_DESCRIPTIONS[resolved.rule]})")
    shown = "unset" if value is None or not value.strip() else value.strip()
    typer.echo(f"container: {container}; TEMPORAL_SERVER_ADDRESS from the secret: {shown}")
