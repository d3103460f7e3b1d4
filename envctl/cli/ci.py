"""`envctl smoke`, `preview-decision` and `comment`: the steps CI runs around a deploy."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from envctl.cli.options import ConfigFlags, TimeoutOption, command_errors, config_flags, user_errors
from envctl.commands.github import GitHub, GitHubError, require_comment_key
from envctl.commands.smoke import SmokeFailed, smoke_test
from envctl.commands.tools import CommandFailed
from envctl.model.inputs import InputError, parse_duration, parse_pr_number
from envctl.model.preview_policy import decide


def _http_url(value: str, field: str) -> str:
    if (
        not value.startswith(("http://", "https://"))
        or len(value) > 2000
        or any(ch.isspace() for ch in value)
    ):
        raise InputError(field, "an http:// or https:// URL", value)
    return value


def smoke_command(
    url: Annotated[str, typer.Option("--url", help="The web app's base URL.")],
    temporal_ui_url: Annotated[
        str | None, typer.Option("--temporal-ui-url", help="The Temporal UI's URL.")
    ] = None,
    timeout: TimeoutOption = "180",
    commit: Annotated[
        str | None,
        typer.Option("--commit", metavar="SHA", help="Wait until /api/env reports this commit."),
    ] = None,
) -> None:
    """Ready, an echo job through web -> temporal-server -> worker and back, the Temporal UI."""
    with command_errors("smoke"):
        seconds = parse_duration(timeout, "--timeout", bare_seconds=True)
        _http_url(url, "--url")
        if temporal_ui_url is not None:
            _http_url(temporal_ui_url, "--temporal-ui-url")
        typer.echo(f"envctl smoke {url}")
        try:
            result = smoke_test(
                url,
                temporal_ui_url,
                timeout_seconds=seconds,
                expect_commit=commit,
                run_job=True,
                say=typer.echo,
            )
        except SmokeFailed as error:
            raise CommandFailed(str(error)) from None
        typer.echo(f"smoke test passed: {len(result.checks)} checks in {result.seconds:.1f}s")


@config_flags(())
def preview_decision_command(
    event: Annotated[
        Path,
        typer.Option("--event", metavar="FILE", help="The GitHub event JSON ($GITHUB_EVENT_PATH)."),
    ],
    *,
    flags: ConfigFlags,
) -> None:
    """Print deploy, destroy or skip for this pull-request event, and why; with GITHUB_OUTPUT
    set, write `action=...` there for the next jobs."""
    with user_errors():
        try:
            body = json.loads(event.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise InputError("--event", "a GitHub event JSON file", str(event)) from None
        if not isinstance(body, dict):
            raise InputError("--event", "a GitHub event JSON file (an object)", str(event))
        rules = flags.load().previews
    decision = decide(os.environ.get("GITHUB_EVENT_NAME", "pull_request"), body, rules)
    typer.echo(f"{decision.action}: {decision.reason}")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with Path(output).open("a", encoding="utf-8") as handle:
            handle.write(f"action={decision.action}\n")


def comment_command(
    pr: Annotated[str, typer.Option("--pr", metavar="N", help="Pull-request number.")],
    key: Annotated[str, typer.Option("--key", help="Which sticky comment: one per key and PR.")],
    body_file: Annotated[Path, typer.Option("--body-file", metavar="FILE", help="Markdown body.")],
) -> None:
    """Create or update the PR's sticky comment for KEY (found by a hidden marker)."""
    with command_errors("comment"):
        number = parse_pr_number(pr)
        require_comment_key(key)
        try:
            body = body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise InputError("--body-file", "a readable UTF-8 file", str(body_file)) from None
        github = GitHub.from_environment(os.environ)
        if github is None:
            raise InputError(
                "GITHUB_TOKEN and GITHUB_REPOSITORY",
                "both set (GitHub Actions sets GITHUB_REPOSITORY; pass secrets.GITHUB_TOKEN)",
                None,
            )
        try:
            written, comment_id = github.upsert_comment(number, key, body)
        except GitHubError as error:
            raise CommandFailed(str(error)) from None
        typer.echo(f"comment {key} on PR #{number}: {written} (id {comment_id})")
