"""Deploy's pre-flight: every check that can stop it, before anything changes.

The PR still open, the cluster reachable with the rights deploy needs, the namespace envctl's
(or absent, or waited for while it terminates), the environment fitting the cluster's free
capacity and the shared database's connections.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from envctl.checks.capacity import capacity_report, environment_pods
from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.ownership import foreign_namespace_problem
from envctl.cluster.rollout import (
    Deadline,
)
from envctl.commands.github import GitHub, GitHubError
from envctl.commands.tools import CommandFailed, Tools, require_access
from envctl.database.budget import ConnectionBudget, connection_budget
from envctl.database.pooler import pooler_room_problem
from envctl.database.provision import room_problem
from envctl.database.target import (
    AdminTarget,
    DatabaseError,
)
from envctl.manifests.base import Manifest
from envctl.manifests.kinds import resource
from envctl.manifests.namespace import IMAGE_ANNOTATION, recorded_deployed_at
from envctl.manifests.render import build_objects
from envctl.model.environment import DEPLOYED_AT_LABEL, LABEL_PREFIX, Environment

COMMIT_ANNOTATION = LABEL_PREFIX + "commit"
DOPPLER_API_GROUP = "secrets.doppler.com"


def deployed_at(env: Environment, live_namespace: Manifest | None, now: datetime) -> datetime:
    """When this image was first deployed here: a redeploy of the same image keeps the time,
    so it changes nothing, and gc measures idleness from the last new image."""
    if live_namespace is not None:
        meta = live_namespace["metadata"]
        recorded = recorded_deployed_at(meta.get("labels", {}).get(DEPLOYED_AT_LABEL))
        if recorded is not None and meta.get("annotations", {}).get(IMAGE_ANNOTATION) == env.image:
            return recorded
    return now.astimezone(UTC).replace(microsecond=0)


def _terminating(namespace: Manifest) -> bool:
    return bool(
        namespace.get("status", {}).get("phase") == "Terminating"
        or namespace["metadata"].get("deletionTimestamp")
    )


def _with_commit(objects: list[Manifest], commit: str | None) -> list[Manifest]:
    if commit is None:
        return objects
    namespace = objects[0]
    annotations = {**namespace["metadata"].get("annotations", {}), COMMIT_ANNOTATION: commit}
    first = {**namespace, "metadata": {**namespace["metadata"], "annotations": annotations}}
    return [first, *objects[1:]]


def check_pull_request(
    github: GitHub | None, env: Environment, echo: Callable[[str], None]
) -> None:
    """A closed PR gets no preview: a late deploy must not resurrect a destroyed one."""
    if github is None or env.pr_number is None:
        return
    try:
        state = github.pull_request_state(env.pr_number)
    except GitHubError as error:
        echo(f"  warning: could not read the state of PR #{env.pr_number}: {error}")
        return
    if state != "open":
        raise CommandFailed(
            f"PR #{env.pr_number} is {state}; not deploying (cleanup_pr destroys its preview, "
            "and a late deploy must not bring it back)"
        )


def check_capacity(kubectl: Kubectl, env: Environment, objects: list[Manifest]) -> str:
    nodes = kubectl.list_objects(["Node"])
    pods = kubectl.list_objects(["Pod"], all_namespaces=True)
    report = capacity_report(
        nodes, pods, environment_pods(objects), replaced_namespace=env.namespace
    )
    if not report.fits:
        raise CommandFailed(f"the environment does not fit the cluster: {report.problem()}")
    return f"capacity ok: needs {report.needed}; {report.free} free on {report.usable_nodes} nodes"


@dataclass(frozen=True)
class Plan:
    """What pre-flight found: the environment with its deploy time, and its objects."""

    env: Environment
    live_namespace: Manifest | None
    objects: list[Manifest]
    budget: ConnectionBudget


def preflight(
    env: Environment,
    tools: Tools,
    deadline: Deadline,
    *,
    github: GitHub | None,
    doppler: bool,
    target: AdminTarget | None,
    commit: str | None,
) -> Plan:
    """Every check that can stop deploy, before anything changes."""
    kubectl, echo = tools.kubectl, tools.echo
    check_pull_request(github, env, echo)
    require_access(kubectl, "patch", resource("Deployment"), env.namespace)
    try:
        if doppler and not kubectl.has_api_group(DOPPLER_API_GROUP):
            raise CommandFailed(
                "the Doppler operator is not installed (no secrets.doppler.com API); "
                "install it (docs/deployment.md) or use secrets_mode = 'plain'"
            )
        live_namespace = kubectl.get("Namespace", env.namespace)
        problem = foreign_namespace_problem(live_namespace, env)
        if problem:
            raise CommandFailed(problem)
        if live_namespace is not None and _terminating(live_namespace):
            # A destroy got as far as deleting it (e.g. a PR closed and reopened at once):
            # nothing can be created in it, so wait until it is gone and start afresh.
            echo(f"  namespace {env.namespace} is being deleted; waiting until it is gone")
            if not kubectl.wait_deleted("Namespace", env.namespace, deadline.remaining()):
                raise CommandFailed(
                    f"namespace {env.namespace} is still being deleted; retry when it is gone"
                )
            live_namespace = None
        if live_namespace is None and not kubectl.can_i("create", resource("Namespace")):
            raise CommandFailed("these credentials may not create namespaces")
        env = dataclasses.replace(env, deployed_at=deployed_at(env, live_namespace, tools.now()))
        objects = _with_commit(build_objects(env), commit)
        echo("  pre-flight: " + check_capacity(kubectl, env, objects))
    except KubectlError as error:
        raise CommandFailed(f"pre-flight: {error}") from None
    budget = connection_budget(env, objects)
    if target is not None:
        pooled = env.settings.database_mode == "pooled"
        try:
            if pooled:
                problem = pooler_room_problem(
                    target.url, env.database_role, budget.limit, env.config.pooler
                )
            else:
                problem = room_problem(target.url, env.database_role, budget.limit)
        except DatabaseError as error:
            raise CommandFailed(str(error)) from None
        if problem:
            full = "the preview PgBouncer is full" if pooled else "the shared PostgreSQL is full"
            raise CommandFailed(f"{full}: {problem}")
    return Plan(env, live_namespace, objects, budget)
