"""The pinned temporal-server as rendered, on PostgreSQL: health, readiness, the app's web app
and worker against it, `envctl smoke`, and a restart with jobs in flight."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from app.jobs.tracker import workflow_id
from devstack.api import ApiClient
from devstack.stack import Stack, process_env
from devstack.waiting import wait_until
from envctl import cli
from envctl.manifests.base import WORKFLOW_SERVICE
from tests.faults.ledger import Ledger
from tests.support.prod_temporal import ProductionTemporalServer, grpc_health
from tests.support.rendered_pods import find_object, only_container, resolved_env

COMMIT = "9a1b2c3"
IN_FLIGHT = 12


def test_the_server_serves_the_workflow_service_and_passes_its_readiness_probe(
    running_server: ProductionTemporalServer,
) -> None:
    probe = running_server.readiness_probe()
    assert probe["grpc"] == {"port": 7233, "service": WORKFLOW_SERVICE}
    assert grpc_health(running_server.address, WORKFLOW_SERVICE)
    assert running_server.probe_passes()


def test_the_namespace_job_is_idempotent(running_server: ProductionTemporalServer) -> None:
    again = running_server.register_namespace()
    assert "namespace default exists" in again.stdout


@pytest.fixture(scope="module")
def app_stack(
    base_env: dict[str, str],
    migrated: None,
    running_server: ProductionTemporalServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """Web app and worker with the rendered Temporal settings (address: this server)."""
    web = only_container(find_object(running_server.objects, "Deployment", "web"))
    rendered = resolved_env(web, running_server.inputs)
    env = process_env(
        base_env,
        TEMPORAL_SERVER_ADDRESS=running_server.address,
        TEMPORAL_NAMESPACE=rendered["TEMPORAL_NAMESPACE"],
        GIT_COMMIT=COMMIT,
    )
    stack = Stack.start(env, tmp_path_factory.mktemp("prod-temporal-stack"))
    yield stack
    stack.stop()


def test_envctl_smoke_passes_against_the_production_server(app_stack: Stack) -> None:
    result = CliRunner().invoke(
        cli.app, ["smoke", "--url", app_stack.url, "--commit", COMMIT, "--timeout", "120"]
    )
    print(f"\n--- envctl smoke against temporal-server (PostgreSQL) ---\n{result.stdout}")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "smoke test passed: 3 checks" in result.stdout


def test_a_server_restart_with_jobs_in_flight_loses_none(
    app_stack: Stack, running_server: ProductionTemporalServer
) -> None:
    api = ApiClient.sign_up(app_stack.url)
    ledger = Ledger(api, running_server.address, app_stack.env["TEMPORAL_TASK_QUEUE"])
    ledger.submit(
        [
            ("echo", {"message": f"in flight {n}", "delay_ms": 4000 + 100 * n})
            for n in range(IN_FLIGHT)
        ]
    )
    wait_until(
        lambda: all(job["status"] == "running" for job in ledger.current().values()),
        60,
        "every job running",
    )

    running_server.stop()
    running_server.start()

    final = ledger.wait_all_finished(timeout=180)
    statuses = [job["status"] for job in final.values()]
    print(f"\n--- restart with {IN_FLIGHT} in flight: {statuses.count('succeeded')} succeeded ---")
    assert statuses == ["succeeded"] * IN_FLIGHT, final
    executions = ledger.executions()  # the smoke test's job shares the task queue
    assert [executions[workflow_id(job_id)] for job_id in ledger.submitted] == [1] * IN_FLIGHT
    [after] = ledger.submit([("echo", {"message": "after the restart"})])
    assert ledger.wait_all_finished(timeout=60)[after["id"]]["status"] == "succeeded"
    api.close()
