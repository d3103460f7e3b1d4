"""`envctl deploy`: pre-flight, database, apply, wait, smoke test, report. Idempotent.

Nothing changes before every pre-flight check has passed: the inputs and secrets, the PR still
open, the cluster reachable with the rights deploy needs, the namespace envctl's (or absent),
the environment fitting the cluster's free capacity and the shared database's connections.
A second deploy of the same inputs changes nothing: the database keeps its data and password,
the namespace keeps its deployed-at time, every object applies unchanged, nothing is pruned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from envctl.checks.capacity import capacity_report, environment_pods
from envctl.cluster.apply import ApplyResult, apply_environment, before_workload_jobs
from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.ownership import foreign_namespace_problem
from envctl.cluster.rollout import (
    Deadline,
    RolloutFailed,
    explain,
    missing_managed_secrets,
    wait_for_deployments,
    wait_for_jobs,
)
from envctl.cluster.secret_values import (
    doppler_token,
    read_database_url,
    registry_credentials,
    temporal_doppler_token,
    with_secret_values,
)
from envctl.commands.github import GitHub, GitHubError
from envctl.commands.report import Report
from envctl.commands.smoke import SmokeFailed
from envctl.commands.tools import CommandFailed, Timings, Tools, require_access
from envctl.database.budget import ConnectionBudget, connection_budget
from envctl.database.pooler import admit_pooler, pooler_room_problem
from envctl.database.provision import Provisioned, provision, room_problem
from envctl.database.target import (
    AdminTarget,
    DatabaseError,
    admin_target,
    password_in_url,
    provisions_database,
)
from envctl.manifests.base import Manifest
from envctl.manifests.kinds import resource
from envctl.manifests.render import build_objects
from envctl.model.environment import (
    DEPLOYED_AT_FORMAT,
    DEPLOYED_AT_LABEL,
    LABEL_PREFIX,
    Environment,
    EnvironmentKind,
)

IMAGE_ANNOTATION = LABEL_PREFIX + "image"
COMMIT_ANNOTATION = LABEL_PREFIX + "commit"
DOPPLER_API_GROUP = "secrets.doppler.com"
PREVIEW_COMMENT_KEY = "preview"


@dataclass(frozen=True)
class DeployOptions:
    commit: str | None = None
    timeout_seconds: int = 600
    rotate_db_password: bool = False
    db_template: str | None = None
    smoke: bool = True
    worker_versions: bool = True  # production: make the new worker build current in Temporal


def deployed_at(env: Environment, live_namespace: Manifest | None, now: datetime) -> datetime:
    """When this image was first deployed here: a redeploy of the same image keeps the time,
    so it changes nothing, and gc measures idleness from the last new image."""
    if live_namespace is not None:
        meta = live_namespace["metadata"]
        label = meta.get("labels", {}).get(DEPLOYED_AT_LABEL)
        if label and meta.get("annotations", {}).get(IMAGE_ANNOTATION) == env.image:
            try:
                return datetime.strptime(label, DEPLOYED_AT_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                pass
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


def _publish_to_github(
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


def provision_database(
    plan: Plan, target: AdminTarget, options: DeployOptions, kubectl: Kubectl
) -> Provisioned:
    """The role and database; the password the namespace's Secret holds is kept."""
    env = plan.env
    pooled = env.settings.database_mode == "pooled"
    try:
        stored = read_database_url(kubectl, env) if plan.live_namespace else None
        known = password_in_url(stored, target, env.database_role, env.database) if stored else None
        provisioned = provision(
            target,
            env.database_role,
            env.database,
            # Pooled: PgBouncer's per-database pool caps the server side, not the role.
            connection_limit=-1 if pooled else plan.budget.limit,
            known_password=known,
            rotate=options.rotate_db_password,
            template=options.db_template,
        )
        if pooled:
            admit_pooler(target.url, env.database)
        return provisioned
    except (DatabaseError, KubectlError) as error:
        raise CommandFailed(f"database {env.database}: {error}") from None


def apply_and_wait(
    plan: Plan, objects: list[Manifest], tools: Tools, deadline: Deadline, timings: Timings
) -> ApplyResult:
    kubectl, env = tools.kubectl, plan.env

    def before_workloads(early: list[Manifest]) -> None:
        doppler = [item for item in early if item["kind"] == "DopplerSecret"]
        missing = missing_managed_secrets(
            kubectl, doppler, deadline, lambda line: tools.echo("  apply: " + line)
        )
        if missing:
            raise CommandFailed(
                f"the Doppler operator has not written {', '.join(missing)} within the deploy "
                "timeout; the pods read it and cannot start without it. Is the operator "
                f"installed and running? `kubectl describe dopplersecrets -n {env.namespace}` "
                "shows what it reports"
            )
        jobs = before_workload_jobs(early)
        if not jobs:
            return
        failed = [w for w in wait_for_jobs(kubectl, jobs, deadline, tools.progress()) if not w.ok]
        if failed:
            raise RolloutFailed(failed, explain(kubectl, env.namespace, jobs))

    try:
        with timings.step("apply"):
            result = apply_environment(
                kubectl,
                env,
                objects,
                live_namespace=plan.live_namespace,
                before_workloads=before_workloads,
                say=lambda line: tools.echo("  apply: " + line),
            )
        tools.echo(f"  apply: {result.summary()}")
        with timings.step("rollout"):
            deployments = [item for item in objects if item["kind"] == "Deployment"]
            outcomes = wait_for_deployments(kubectl, deployments, deadline, tools.progress())
            failed = {w.name.split("/", 1)[1]: w for w in outcomes if not w.ok}
            if failed:
                workloads = [d for d in deployments if d["metadata"]["name"] in failed]
                explained = explain(kubectl, env.namespace, workloads)
                raise RolloutFailed(list(failed.values()), explained)
    except RolloutFailed as error:
        raise CommandFailed(f"rollout failed: {error}", error.diagnostics) from None
    except KubectlError as error:
        raise CommandFailed(f"apply failed: {error}") from None
    return result


def worker_versions(
    env: Environment, options: DeployOptions, tools: Tools, deadline: Deadline, timings: Timings
) -> str | None:
    """Production: once the new worker build rolled out, make it current and retire drained
    builds (envctl/commands/worker_rollout.py). Previews run one unversioned worker."""
    if env.kind is not EnvironmentKind.PRODUCTION:
        return None
    if not options.worker_versions or tools.worker_rollout is None:
        tools.echo("  worker versions: skipped (--skip-worker-versions)")
        return None
    with timings.step("worker versions"):
        return tools.worker_rollout(env, tools, deadline.remaining())


def smoke(env: Environment, tools: Tools, deadline: Deadline) -> None:
    ui = env.temporal_ui_url if env.temporal_mode != "external" else None
    try:
        tools.smoke(
            env.app_url,
            ui,
            timeout_seconds=deadline.remaining(),
            expect_commit=env.image_tag,
            # Production's smoke test skips the echo job: it would leave an account behind.
            run_job=env.kind is not EnvironmentKind.PRODUCTION,
            say=tools.echo,
        )
    except SmokeFailed as error:
        raise CommandFailed(f"smoke test failed: {error}") from None


def deploy(env: Environment, options: DeployOptions, tools: Tools) -> Report:
    timings = Timings()
    deadline = Deadline(options.timeout_seconds)
    # Inputs from the environment first: a missing secret is bad input (exit 2, one line).
    github = GitHub.from_environment(tools.environ)
    token = doppler_token(tools.environ, env)
    temporal_token = temporal_doppler_token(tools.environ, env, build_objects(env))
    registry = registry_credentials(tools.environ, env)
    target = admin_target(tools.environ, env) if provisions_database(env) else None
    tools.echo(
        f"envctl deploy {env.kind.value}" + (f" --pr {env.pr_number}" if env.pr_number else "")
    )

    with timings.step("pre-flight"):
        plan = preflight(
            env,
            tools,
            deadline,
            github=github,
            doppler=token is not None,
            target=target,
            commit=options.commit,
        )
    env = plan.env
    provisioned: Provisioned | None = None
    if target is not None:
        with timings.step("database"):
            provisioned = provision_database(plan, target, options, tools.kubectl)
        tools.echo(f"  database {env.database}: {provisioned.summary()}")
        if env.settings.database_mode == "pooled":
            tools.echo(
                f"  PgBouncer client connections {plan.budget.explain()}; server connections "
                f"at most {env.config.pooler.max_db_connections} (max_db_connections)"
            )
        else:
            tools.echo(f"  connection limit {plan.budget.explain()}")

    filled = with_secret_values(
        env,
        plan.objects,
        database_url=provisioned.url if provisioned else None,
        token=token,
        temporal_token=temporal_token,
        registry_credentials=registry,
    )
    result = apply_and_wait(plan, filled, tools, deadline, timings)
    versions = worker_versions(env, options, tools, deadline, timings)
    if options.smoke:
        with timings.step("smoke"):
            smoke(env, tools, deadline)
    else:
        tools.echo("  smoke test: skipped (--skip-smoke)")

    changed = result.any_change or (provisioned is not None and provisioned.changed)
    report = Report(
        f"deployed {env.kind.value} {env.namespace}: "
        + ("changes applied" if changed else "nothing changed"),
        rows=[
            ("app", env.app_url),
            ("temporal UI", env.temporal_ui_url),
            ("image", env.image),
            ("namespace", env.namespace),
            ("objects", result.summary()),
            *([("worker versions", versions)] if versions else []),
        ],
        outputs={
            "app_url": env.app_url,
            "temporal_ui_url": env.temporal_ui_url,
            "namespace": env.namespace,
            "changed": "true" if changed else "false",
        },
    )
    if provisioned is not None:
        report.rows.append(("database", f"{env.database}: {provisioned.summary()}"))
        report.outputs["database"] = env.database
    report.rows += _publish_to_github(github, env, options.commit, tools.echo)
    report.timings = timings.with_total()
    return report
