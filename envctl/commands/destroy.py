"""`envctl destroy`: the namespace's workloads, then the namespace (waiting until their pods and
it are gone), then the database and role.

Idempotent: what is already gone is reported as such, and a second run changes nothing.
It refuses production without `--destroy-production`, and never touches a namespace that
lacks envctl's managed-by label (or was made for another environment).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.ownership import foreign_namespace_problem
from envctl.commands.github import GitHub, GitHubError
from envctl.commands.report import Report
from envctl.commands.tools import CommandFailed, Timings, Tools, require_access
from envctl.database.drop import drop
from envctl.database.target import DatabaseError, admin_target, provisions_database
from envctl.manifests.kinds import resource
from envctl.model.environment import Environment, EnvironmentKind
from envctl.model.inputs import InputError

# The kinds whose controllers make a preview's pods (deleted in the foreground: with their pods).
WORKLOADS = ("Deployment", "Job")


@dataclass(frozen=True)
class DestroyOptions:
    destroy_production: bool = False
    timeout_seconds: int = 300


def refuse_production(env: Environment, options: DestroyOptions) -> None:
    if env.kind is EnvironmentKind.PRODUCTION and not options.destroy_production:
        raise InputError(
            "ENV",
            "preview or permanent-preview; destroying production also needs --destroy-production",
            env.kind.value,
        )


def drain_then_delete(
    kubectl: Kubectl, namespace: str, timeout_seconds: int, echo: Callable[[str], None]
) -> None:
    """The workloads first, waiting until their pods and claims are gone, then the namespace.

    Deleting the namespace alone is slower: the namespace controller, finding pods still
    terminating, retries only after half their grace period (15 s for the usual 30 s), and after
    a claim's protection finalizer (15 s estimate) again, however soon they are really gone.
    """
    deadline = time.monotonic() + timeout_seconds

    def remaining() -> int:
        return max(1, int(deadline - time.monotonic()))

    echo(f"  deleting the workloads of {namespace} and waiting until their pods are gone")
    kubectl.delete_all(WORKLOADS, namespace, remaining(), cascade="foreground")
    kubectl.delete_all(("PersistentVolumeClaim",), namespace, remaining(), cascade="background")
    echo(f"  deleting namespace {namespace} and waiting until it is gone")
    kubectl.delete("Namespace", namespace, timeout_seconds=remaining())


def destroy(env: Environment, options: DestroyOptions, tools: Tools) -> Report:
    kubectl, echo = tools.kubectl, tools.echo
    refuse_production(env, options)
    timings = Timings()
    target = admin_target(tools.environ, env) if provisions_database(env) else None
    github = GitHub.from_environment(tools.environ)
    echo(f"envctl destroy {env.kind.value}" + (f" --pr {env.pr_number}" if env.pr_number else ""))

    with timings.step("namespace"):
        require_access(kubectl, "delete", resource("Namespace"))
        try:
            live = kubectl.get("Namespace", env.namespace)
            problem = foreign_namespace_problem(live, env)
            if problem:
                raise CommandFailed(problem)
            if live is None:
                namespace_state = "already gone"
            else:
                drain_then_delete(kubectl, env.namespace, options.timeout_seconds, echo)
                if kubectl.get("Namespace", env.namespace) is not None:
                    raise CommandFailed(
                        f"namespace {env.namespace} still exists after "
                        f"{options.timeout_seconds}s (a finalizer?); the database is kept until "
                        "it is gone: run destroy again"
                    )
                namespace_state = "deleted"
        except KubectlError as error:
            raise CommandFailed(f"namespace {env.namespace}: {error}") from None
    echo(f"  namespace {env.namespace}: {namespace_state}")

    database_state = None
    dropped = None
    if target is not None:
        with timings.step("database"):
            try:
                dropped = drop(target.url, env.database_role, env.database)
            except DatabaseError as error:
                raise CommandFailed(f"database {env.database}: {error}") from None
        database_state = (
            f"dropped ({dropped.terminated} connections terminated)"
            if dropped.changed
            else "already gone"
        )
        echo(f"  database {env.database} and role {env.database_role}: {database_state}")

    deactivated = 0
    if github is not None and env.pr_number is not None:
        try:
            deactivated = github.deactivate_deployments(env.namespace)
        except GitHubError as error:
            echo(f"  warning: GitHub: {error}")
        echo(f"  GitHub deployments of {env.namespace} marked inactive: {deactivated}")

    changed = live is not None or (dropped is not None and dropped.changed)
    rows = [("namespace", f"{env.namespace}: {namespace_state}")]
    if database_state:
        rows.append(("database", f"{env.database} (and its role): {database_state}"))
    outcome = "destroyed" if changed else "nothing to do, already destroyed"
    return Report(
        f"destroy {env.kind.value} {env.namespace}: {outcome}",
        rows=rows,
        timings=timings.with_total(),
        outputs={"namespace": env.namespace, "changed": "true" if changed else "false"},
    )
