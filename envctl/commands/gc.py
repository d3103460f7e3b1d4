"""`envctl gc`: expire previews whose PR is closed or that have been idle longer than a TTL.

Only namespaces envctl made for a pull-request preview are candidates: labelled managed-by
envctl and env-kind preview, with a PR label whose namespace name the model gives back.
The permanent preview and production can never be selected; `envctl/keep=true` exempts a
preview. Without `--apply` nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from envctl.cluster.kubectl import KubectlError
from envctl.cluster.ownership import MANAGED_BY_LABEL, managed_namespaces
from envctl.commands.destroy import DestroyOptions, destroy
from envctl.commands.github import GitHub, GitHubError
from envctl.commands.listing import duration
from envctl.commands.tools import CommandFailed, Tools, require_access
from envctl.database.target import admin_target
from envctl.manifests.base import Manifest
from envctl.manifests.kinds import resource
from envctl.manifests.namespace import recorded_deployed_at
from envctl.model.config import Config
from envctl.model.environment import (
    DEPLOYED_AT_LABEL,
    ENV_KIND_LABEL,
    LABEL_PREFIX,
    MANAGED_BY,
    PR_LABEL,
    EnvironmentKind,
    build_environment,
    environment_namespace,
)
from envctl.model.inputs import InputError, parse_pr_number

KEEP_LABEL = LABEL_PREFIX + "keep"


@dataclass(frozen=True)
class Verdict:
    namespace: str
    expire: bool  # only ever True with a PR number
    reason: str
    pr: int | None = None


def judge(
    namespace: Manifest,
    *,
    config: Config,
    now: datetime,
    ttl: timedelta,
    pr_state: Callable[[int], str | None],
) -> Verdict:
    """Whether one envctl namespace is an expired preview, and why (or why not)."""
    name = namespace["metadata"]["name"]
    labels: dict[str, str] = namespace["metadata"].get("labels", {})
    if labels.get(MANAGED_BY_LABEL) != MANAGED_BY:
        return Verdict(name, False, "not managed by envctl")
    kind = labels.get(ENV_KIND_LABEL)
    if kind != EnvironmentKind.PREVIEW.value:
        return Verdict(name, False, f"{kind or 'unknown kind'}: never expired")
    try:
        pr = parse_pr_number(labels.get(PR_LABEL, ""), PR_LABEL)
        expected = environment_namespace(EnvironmentKind.PREVIEW, pr, config)
    except InputError:
        return Verdict(name, False, f"unreadable {PR_LABEL} label: left alone")
    if expected != name:
        return Verdict(name, False, f"name does not match PR {pr} ({expected}): left alone", pr)
    if labels.get(KEEP_LABEL) == "true":
        return Verdict(name, False, f"kept ({KEEP_LABEL}=true)", pr)
    state = pr_state(pr)
    if state == "closed":
        return Verdict(name, True, f"PR #{pr} is closed", pr)
    deployed = recorded_deployed_at(labels.get(DEPLOYED_AT_LABEL))
    if deployed is None:
        return Verdict(name, False, f"no readable {DEPLOYED_AT_LABEL} label: left alone", pr)
    idle = now - deployed
    if idle > ttl:
        return Verdict(name, True, f"idle {duration(idle)} (TTL {duration(ttl)})", pr)
    open_note = "PR open" if state == "open" else "PR state unknown"
    return Verdict(name, False, f"active: deployed {duration(idle)} ago, {open_note}", pr)


def gc(config: Config, *, ttl_seconds: int, apply: bool, tools: Tools) -> int:
    """Report (and with `apply`, destroy) expired previews; returns how many failed."""
    kubectl, echo = tools.kubectl, tools.echo
    github = GitHub.from_environment(tools.environ)
    if apply:  # before anything is deleted: destroy will need it for every preview
        admin_target(tools.environ, build_environment(EnvironmentKind.PREVIEW, 1, config))
    require_access(kubectl, "list", resource("Namespace"))
    try:
        namespaces = managed_namespaces(kubectl)
    except KubectlError as error:
        raise CommandFailed(f"cannot list namespaces: {error}") from None

    def pr_state(pr: int) -> str | None:
        if github is None:
            return None
        try:
            return github.pull_request_state(pr)
        except GitHubError as error:
            echo(f"  warning: PR #{pr}: {error}")
            return None

    if github is None:
        echo("  GITHUB_TOKEN/GITHUB_REPOSITORY not set: expiring by idle time only")
    now = tools.now()
    verdicts = [
        judge(ns, config=config, now=now, ttl=timedelta(seconds=ttl_seconds), pr_state=pr_state)
        for ns in namespaces
    ]
    width = max((len(v.namespace) for v in verdicts), default=9)
    echo(
        f"envctl gc --ttl {duration(timedelta(seconds=ttl_seconds))}"
        + (" --apply" if apply else "")
    )
    for verdict in verdicts:
        mark = "EXPIRE" if verdict.expire else "keep  "
        echo(f"  {mark}  {verdict.namespace:<{width}}  {verdict.reason}")
    expired = [v for v in verdicts if v.expire]
    if not apply:
        echo(f"dry run: {len(expired)} preview(s) would be destroyed; pass --apply to destroy them")
        return 0
    failures = 0
    for verdict in expired:
        env = build_environment(EnvironmentKind.PREVIEW, verdict.pr, config)
        try:
            destroy(env, DestroyOptions(), tools)
        except (CommandFailed, InputError) as error:
            failures += 1
            echo(f"  FAILED to destroy {env.namespace}: {error}")
    echo(f"destroyed {len(expired) - failures} of {len(expired)} expired preview(s)")
    return failures
