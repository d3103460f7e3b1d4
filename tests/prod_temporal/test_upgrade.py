"""A production upgrade as it happens: schema and server of the previous minor release, jobs
on it, then the pinned release's schema Job and server on the same database and ports. Old
histories stay readable, a job in flight across the upgrade finishes, and new jobs run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from app.jobs.tracker import workflow_id
from devstack.api import ApiClient
from devstack.postgres import PostgresServer
from devstack.stack import Stack, process_env
from devstack.waiting import wait_until
from tests.faults.ledger import Ledger
from tests.prod_temporal.conftest import new_temporal_database
from tests.support.prod_temporal import (
    ProductionTemporalServer,
    TemporalDatabase,
    pod_inputs,
    production_config,
    render_production,
    schema_job,
)
from tests.support.rendered_pods import Manifest

BEFORE = 3


def set_up_schema(database: TemporalDatabase, version: str, work_dir: Path) -> list[Manifest]:
    objects = render_production(production_config(database, version=version))
    run = schema_job(objects, pod_inputs(objects, database), work_dir).run()
    versions = [
        database.schema_version(n) for n in (database.database, database.visibility_database)
    ]
    print(
        f"\n--- schema Job {version} (exit {run.returncode}); temporal {versions[0]}, "
        f"visibility {versions[1]} ---\n{run.stdout}{run.stderr}"
    )
    assert run.returncode == 0
    return objects


async def completed_results(address: str, workflow_ids: list[str]) -> list[str]:
    """Each workflow's history read from the server: its last event's type."""
    client = await Client.connect(address)
    last = []
    for each in workflow_ids:
        history = await client.get_workflow_handle(each).fetch_history()
        assert history.events[0].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        last.append(EventType.Name(history.events[-1].event_type))
    return last


def test_upgrade_from_the_previous_minor_keeps_histories_and_runs_new_jobs(
    pinned: str,
    previous: str,
    test_postgres: PostgresServer,
    base_env: dict[str, str],
    migrated: None,
    tmp_path: Path,
) -> None:
    database = new_temporal_database(test_postgres)
    old_objects = set_up_schema(database, previous, tmp_path)
    old_versions = [
        database.schema_version(database.database),
        database.schema_version(database.visibility_database),
    ]
    old = ProductionTemporalServer(old_objects, pod_inputs(old_objects, database), tmp_path)
    old.start()
    old.register_namespace()
    stack = Stack.start(process_env(base_env, TEMPORAL_SERVER_ADDRESS=old.address), tmp_path)
    new: ProductionTemporalServer | None = None
    try:
        api = ApiClient.sign_up(stack.url)
        ledger = Ledger(api, old.address, stack.env["TEMPORAL_TASK_QUEUE"])
        done = ledger.submit([("echo", {"message": f"on {previous} #{n}"}) for n in range(BEFORE)])
        assert [j["status"] for j in ledger.wait_all_finished(60).values()] == [
            "succeeded"
        ] * BEFORE
        [across] = ledger.submit([("echo", {"message": "across the upgrade", "delay_ms": 5000})])
        wait_until(lambda: ledger.current()[across["id"]]["status"] == "running", 60, "running")
        old.stop()

        new_objects = set_up_schema(database, pinned, tmp_path)
        new_versions = [
            database.schema_version(database.database),
            database.schema_version(database.visibility_database),
        ]
        assert new_versions != old_versions, (old_versions, new_versions)
        # the same ports, as the Deployment's new pods take over the Service
        new = ProductionTemporalServer(
            new_objects, pod_inputs(new_objects, database), tmp_path, old.grpc_port, old.ports
        )
        new.start()

        ids = [workflow_id(job["id"]) for job in done]
        histories = asyncio.run(completed_results(new.address, ids))
        assert histories == ["EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"] * BEFORE
        [after] = ledger.submit([("echo", {"message": f"on {pinned}"})])
        final = ledger.wait_all_finished(90)
        print(
            f"--- upgrade {previous} -> {pinned}: schema {old_versions} -> {new_versions}; "
            f"{BEFORE} old histories read back; the job across the upgrade "
            f"{final[across['id']]['status']}; a new job {final[after['id']]['status']} ---"
        )
        assert final[across["id"]]["status"] == "succeeded"
        assert final[after["id"]]["status"] == "succeeded"
        assert final[after["id"]]["result"] == {"message": f"on {pinned}", "delay_ms": 0}
        api.close()
    finally:
        stack.stop()
        if new is not None:
            new.stop()
        old.stop()
