"""What deploy tells GitHub once the environment is up: the sticky PR comment, the Deployment."""

from __future__ import annotations

from collections.abc import Callable

from envctl.commands.github import GitHub, GitHubError
from envctl.model.environment import (
    Environment,
    EnvironmentKind,
)

PREVIEW_COMMENT_KEY = "preview"


def comment_body(env: Environment, commit: str | None) -> str:
    rows = [
        ("App", env.app_url),
        ("Temporal UI", env.temporal_ui_url),
        ("Image", f"`{env.image}`"),
        ("Commit", f"`{commit}`" if commit else "-"),
        ("Namespace", f"`{env.namespace}`"),
        ("Database", f"`{env.database}` (own role, no access to other previews)"),
        ("Deployed", env.deployed_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    lines = ["### Preview environment", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += [
        "",
        "Destroyed when the pull request closes, or after 3 days without a new deploy "
        "(label the namespace `envctl/keep=true` to keep it).",
    ]
    return "\n".join(lines)


def publish_to_github(
    github: GitHub | None, env: Environment, commit: str | None, echo: Callable[[str], None]
) -> list[tuple[str, str]]:
    if github is None:
        return []
    rows = []
    try:
        if env.pr_number is not None:
            written, comment_id = github.upsert_comment(
                env.pr_number, PREVIEW_COMMENT_KEY, comment_body(env, commit)
            )
            rows.append(("PR comment", f"{written} (#{comment_id})"))
        if commit is not None:
            written = github.record_deployment(
                env.namespace,
                commit,
                env.app_url,
                transient=env.kind is EnvironmentKind.PREVIEW,
                description=f"envctl deploy {env.kind.value} {env.image_tag}",
            )
            rows.append(("GitHub deployment", f"{written} (environment {env.namespace})"))
    except GitHubError as error:
        echo(f"  warning: GitHub: {error}")  # the environment is up; the note is secondary
    return rows
