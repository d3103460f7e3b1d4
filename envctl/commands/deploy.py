"""`envctl deploy`: pre-flight, database, apply, wait, smoke test, report. Idempotent.

Nothing changes before every pre-flight check has passed: the inputs and secrets, the PR still
open, the cluster reachable with the rights deploy needs, the namespace envctl's (or absent),
the environment fitting the cluster's free capacity and the shared database's connections.
A second deploy of the same inputs changes nothing: the database keeps its data and password,
the namespace keeps its deployed-at time, every object applies unchanged, nothing is pruned.
"""

from __future__ import annotations

from dataclasses import dataclass

from envctl.cluster.apply import ApplyResult, apply_environment, before_workload_jobs
from envctl.cluster.kubectl import Kubectl, KubectlError
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
from envctl.commands.announce import publish_to_github
from envctl.commands.github import GitHub
from envctl.commands.preflight import Plan, preflight
from envctl.commands.report import Report
from envctl.commands.smoke import SmokeFailed
from envctl.commands.tools import CommandFailed, Timings, Tools
from envctl.database.pooler import admit_pooler
from envctl.database.provision import Provisioned, provision
from envctl.database.target import (
    AdminTarget,
    DatabaseError,
    admin_target,
    password_in_url,
    provisions_database,
)
from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.model.environment import (
    Environment,
    EnvironmentKind,
)


@dataclass(frozen=True)
class DeployOptions:
    commit: str | None = None
    timeout_seconds: int = 600
    rotate_db_password: bool = False
    db_template: str | None = None
    smoke: bool = True
    worker_versions: bool = True  # production: make the new worker build current in Temporal


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
    report.rows += publish_to_github(github, env, options.commit, tools.echo)
    report.timings = timings.with_total()
    return report
