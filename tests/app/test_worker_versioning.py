"""Worker Deployment Versioning on a real dev server with two real worker processes (v1, v2):
a pinned export started on v1 finishes on v1 after v2 becomes current, new jobs run on v2,
and v1 is retired once it has drained. The Temporal calls are envctl's own."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowHandle
from temporalio.common import VersioningBehavior

from app.db import Database
from app.jobs.base import JobContext
from app.jobs.export import ExportInput
from app.jobs.registry import REGISTRY
from app.models import Account
from app.settings import Settings, SettingsError, load_settings
from app.temporal_client import DATA_CONVERTER
from app.worker.versioning import versioning_behavior
from devstack.accounts import new_email, signup
from devstack.processes import WorkerProcess
from devstack.stack import process_env
from devstack.temporal_dev import TemporalDevServer
from devstack.waiting import wait_until
from envctl.cluster import worker_versions
from envctl.commands.worker_rollout import RolloutSummary, roll_out_version

DEPLOYMENT = "app-worker"
V1, V2 = "1" * 40, "2" * 40
# Versioning on, and drainage and poller expiry in seconds instead of minutes.
DYNAMIC_CONFIG = {
    "system.enableDeploymentVersions": "true",
    "frontend.workerVersioningWorkflowAPIs": "true",
    "matching.wv.VersionDrainageStatusVisibilityGracePeriod": '"3s"',
    "matching.wv.VersionDrainageStatusRefreshInterval": '"1s"',
    "matching.PollerHistoryTTL": '"2s"',
}


def test_every_workflow_declares_its_versioning_behavior() -> None:
    declared = {job.name: versioning_behavior(job.workflow) for job in REGISTRY}
    assert VersioningBehavior.UNSPECIFIED not in declared.values(), declared
    assert declared["export"] is VersioningBehavior.PINNED


def test_a_versioned_worker_needs_its_build_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV_FILE", "/nonexistent/.env")
    with pytest.raises(SettingsError, match="WORKER_DEPLOYMENT_NAME: needs GIT_COMMIT"):
        load_settings(worker_deployment_name="app-worker")


@pytest.fixture(scope="module")
def versioned_temporal(run_dir: Path) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(root=run_dir / "temporal-versioned", dynamic_config=DYNAMIC_CONFIG)
    server.start()
    yield server
    server.stop()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def connect(server: TemporalDevServer) -> Client:
    return await Client.connect(server.address, data_converter=DATA_CONVERTER)


def start_worker(env: dict[str, str], build_id: str, log_dir: Path) -> WorkerProcess:
    worker = WorkerProcess.create(
        process_env(env, GIT_COMMIT=build_id, TEMPORAL_TASK_QUEUE=env["TEMPORAL_TASK_QUEUE"]),
        log_dir / build_id[:1],
    )
    worker.start()
    worker.wait_ready()
    return worker


def roll_out(
    server: TemporalDevServer, build_id: str, queue: str, retire: Callable[[str], None]
) -> RolloutSummary:
    """The deploy's own step (envctl/commands/worker_rollout.py), as `envctl deploy production` runs it."""

    async def steps() -> RolloutSummary:
        return await roll_out_version(
            await connect(server),
            build_id,
            within=60,
            retire=retire,
            say=print,
            deployment=DEPLOYMENT,
            task_queue=queue,
        )

    summary: RolloutSummary = run(steps())
    print(summary.line())
    return summary


def ran_on(server: TemporalDevServer, workflow_id: str) -> tuple[str, set[str], set[str]]:
    """The build that owns the run, the builds that completed its workflow tasks, and the
    worker processes (identity `pid@host`) that ran its activities."""

    async def look() -> tuple[str, set[str], set[str]]:
        handle = (await connect(server)).get_workflow_handle(workflow_id)
        info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
        builds, identities = set(), set()
        async for event in handle.fetch_history_events():
            if event.HasField("workflow_task_completed_event_attributes"):
                attributes = event.workflow_task_completed_event_attributes
                builds.add(attributes.deployment_version.build_id)
            if event.HasField("activity_task_started_event_attributes"):
                identities.add(event.activity_task_started_event_attributes.identity)
        behavior = VersioningBehavior(info.behavior).name
        return f"{behavior} {info.deployment_version.build_id}", builds, identities

    result: tuple[str, set[str], set[str]] = run(look())
    return result


def test_pinned_export_stays_on_v1_while_new_jobs_run_on_v2(
    versioned_temporal: TemporalDevServer,
    base_env: dict[str, str],
    settings: Settings,
    migrated: None,
    client: FlaskClient,
    run_dir: Path,
) -> None:
    queue = f"versioned-{uuid.uuid4().hex[:8]}"
    env = {
        **base_env,
        "TEMPORAL_SERVER_ADDRESS": versioned_temporal.address,
        "TEMPORAL_TASK_QUEUE": queue,
        "WORKER_DEPLOYMENT_NAME": DEPLOYMENT,
    }
    email = new_email()
    auth = signup(client, email)
    for number in range(4):
        client.post("/api/tasks", json={"title": f"row {number}"}, headers=auth)
    database = Database(settings)
    with database.session() as session:
        owner_id = session.scalar(select(Account.id).where(Account.email == email))
    database.dispose()
    host = socket.gethostname()

    retired: list[str] = []
    v1 = start_worker(env, V1, run_dir / "versioned")
    assert roll_out(versioned_temporal, V1, queue, retired.append).retired == []

    async def start(job_type: str, data: Any) -> WorkflowHandle[Any, Any]:
        temporal = await connect(versioned_temporal)
        return await temporal.start_workflow(
            job_type,
            args=[JobContext(owner_id=owner_id), data],
            id=f"{job_type}-{uuid.uuid4().hex[:8]}",
            task_queue=queue,
        )

    long_export = run(start("export", ExportInput(delay_ms_per_row=1500)))

    async def activity_running() -> bool:
        described = await long_export.describe()
        pending = described.raw_description.pending_activities
        return (
            bool(pending)
            and pending[0].state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        )

    wait_until(lambda: run(activity_running()), 30, "the long export's activity to start on v1")

    v2 = start_worker(env, V2, run_dir / "versioned")
    try:
        first = roll_out(versioned_temporal, V2, queue, retired.append)
        assert (first.draining, retired) == ([V1], [])  # the long export still runs on v1
        assert (
            run(worker_versions.current_build(run(connect(versioned_temporal)), DEPLOYMENT)) == V2
        )

        new_echo = run(start("echo", {"message": "on v2"}))
        new_export = run(start("export", ExportInput()))

        async def results() -> list[Any]:
            temporal = await connect(versioned_temporal)
            ids = (long_export.id, new_echo.id, new_export.id)
            return [await temporal.get_workflow_handle(i).result() for i in ids]

        long_result, echo_result, export_result = run(results())
        assert long_result["rows"] == export_result["rows"] == 4
        assert echo_result["message"] == "on v2"

        long_on = ran_on(versioned_temporal, long_export.id)
        print(f"long export started on v1: {long_on[0][:14]}, tasks by {sorted(long_on[1])}")
        assert long_on == (f"PINNED {V1}", {V1}, {f"{v1.process.pid}@{host}"})  # type: ignore[union-attr]
        echo_on, export_on = (
            ran_on(versioned_temporal, new_echo.id),
            ran_on(versioned_temporal, new_export.id),
        )
        print(f"new echo: {echo_on[0][:20]}; new export: {export_on[0][:14]}")
        assert echo_on == (f"AUTO_UPGRADE {V2}", {V2}, {f"{v2.process.pid}@{host}"})  # type: ignore[union-attr]
        assert export_on == (f"PINNED {V2}", {V2}, {f"{v2.process.pid}@{host}"})  # type: ignore[union-attr]

        async def v1_state() -> worker_versions.VersionState:
            states = await worker_versions.versions(await connect(versioned_temporal), DEPLOYMENT)
            return next(state for state in states if state.build_id == V1)

        drained = wait_until(
            lambda: (state := run(v1_state())).retirable and state, 60, "v1 to drain"
        )
        print(f"v1 after its last pinned run: {drained}")

        def stop_v1(build: str) -> None:  # what deleting python-worker-<v1> does in production
            assert build == V1
            retired.append(build)
            v1.stop()

        # The next deploy: v1 has drained, so its pods go and Temporal forgets it (once it has
        # seen no poller for PollerHistoryTTL; the deploy leaves a refusal for the next one).
        assert roll_out(versioned_temporal, V2, queue, stop_v1).retired == [V1]

        async def forget_v1() -> str | None:
            client = await connect(versioned_temporal)
            return await worker_versions.delete_version(client, DEPLOYMENT, V1)

        wait_until(lambda: run(forget_v1()) is None, 60, "Temporal to forget v1")
        remaining = run(worker_versions.versions(run(connect(versioned_temporal)), DEPLOYMENT))
        print(f"versions left: {remaining}")
        assert [state.build_id for state in remaining] == [V2]
    finally:
        v1.stop()
        v2.stop()
