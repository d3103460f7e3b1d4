"""What the lifecycle commands (deploy, destroy, gc, list) share: the outside world they talk
to, in one object tests can replace, the error that ends them, and step timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.progress import Progress
from envctl.commands.smoke import SmokeResult
from envctl.model.environment import Environment


class CommandFailed(Exception):
    """The command stopped (exit 1); the message says why and what to do next.
    `details` holds what helps diagnose it (events, log lines)."""

    def __init__(self, message: str, details: str = "") -> None:
        self.details = details
        super().__init__(message)


class SmokeRunner(Protocol):
    def __call__(
        self,
        app_url: str,
        temporal_ui_url: str | None,
        *,
        timeout_seconds: float,
        expect_commit: str | None,
        run_job: bool,
        say: Callable[[str], None],
    ) -> SmokeResult: ...


class WorkerRollout(Protocol):
    """Production's versioned worker rollout through the Temporal API
    (envctl/commands/worker_rollout.py); returns its one-line summary."""

    def __call__(self, env: Environment, tools: Tools, within: float) -> str: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Tools:
    kubectl: Kubectl
    environ: Mapping[str, str]
    echo: Callable[[str], None]
    progress: Callable[[], Progress]
    smoke: SmokeRunner
    now: Callable[[], datetime] = field(default=_utcnow)
    worker_rollout: WorkerRollout | None = None


class Timings:
    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.steps.append((name, time.monotonic() - started))

    def with_total(self) -> list[tuple[str, float]]:
        return [*self.steps, ("total", sum(seconds for _, seconds in self.steps))]


def require_access(kubectl: Kubectl, verb: str, what: str, namespace: str | None = None) -> None:
    """The cluster answers, and these credentials may do `verb` on `what`: one cheap call
    (a SelfSubjectAccessReview) that proves reachability, authentication and authorization."""
    where = f" in {namespace}" if namespace else ""
    try:
        allowed = kubectl.can_i(verb, what, namespace)
    except KubectlError as error:
        raise CommandFailed(f"cannot reach the cluster: {error}") from None
    if not allowed:
        raise CommandFailed(
            f"the cluster answered, but these credentials may not {verb} {what}{where}; "
            "check the KUBECONFIG secret's user and its RBAC (docs/deployment.md)"
        )
