"""`production_temporal.mode = "external"` against the same real server, as if it were an
external cluster: envctl renders no Temporal objects; the app's address and TLS setting come
from the config (as TEMPORAL_FALLBACK_*, which a Doppler TEMPORAL_SERVER_ADDRESS would override)
and its namespace from the `prd` Doppler config, stood in for by the app-secrets value below."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client

from app.jobs.tracker import workflow_id
from devstack.api import TERMINAL, ApiClient
from devstack.stack import Stack, process_env
from devstack.waiting import wait_until
from envctl.manifests.render import build_objects
from envctl.model.environment import EnvironmentKind, build_environment
from tests.envctl.conftest import config_with
from tests.support.prod_temporal import ProductionTemporalServer
from tests.support.rendered_pods import PodInputs, find_object, only_container, resolved_env

NAMESPACE = "external-cluster"
POD = PodInputs(fields={"metadata.namespace": "production"})


async def register(address: str, namespace: str) -> None:
    client = await Client.connect(address)
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace,
            workflow_execution_retention_period=Duration(
                seconds=int(timedelta(days=1).total_seconds())
            ),
        )
    )


async def workflow_status(address: str, namespace: str, job_id: str) -> str:
    client = await Client.connect(address, namespace=namespace)
    description = await client.get_workflow_handle(workflow_id(job_id)).describe()
    assert description.status is not None
    return description.status.name


def test_external_mode_runs_the_app_on_the_configured_cluster(
    running_server: ProductionTemporalServer,
    base_env: dict[str, str],
    migrated: None,
    tmp_path: Path,
) -> None:
    asyncio.run(register(running_server.address, NAMESPACE))
    config = config_with(
        production_temporal={"mode": "external", "address": running_server.address, "tls": False}
    )
    objects = build_objects(build_environment(EnvironmentKind.PRODUCTION, None, config))
    assert [o["metadata"]["name"] for o in objects if "temporal" in o["metadata"]["name"]] == []

    web = resolved_env(only_container(find_object(objects, "Deployment", "web")), POD)
    worker = only_container(find_object(objects, "Deployment", "python-worker"))
    temporal_settings = {
        k: v for k, v in web.items() if k.startswith("TEMPORAL_") and k != "TEMPORAL_UI_URL"
    }
    assert temporal_settings == {
        "TEMPORAL_FALLBACK_ADDRESS": running_server.address,
        "TEMPORAL_FALLBACK_TLS": "false",
    }
    assert {k: v for k, v in resolved_env(worker, POD).items() if k in temporal_settings} == (
        temporal_settings
    )

    # The Doppler config holds the namespace and no TEMPORAL_SERVER_ADDRESS, so the fallback counts.
    env = {k: v for k, v in base_env.items() if k != "TEMPORAL_SERVER_ADDRESS"}
    secret = {"TEMPORAL_NAMESPACE": NAMESPACE}
    stack = Stack.start(process_env(env, **temporal_settings, **secret), tmp_path)
    try:
        api = ApiClient.sign_up(stack.url)
        job = api.start_job("echo", {"message": "through the external cluster"})

        def terminal() -> dict[str, Any] | None:
            current = api.job(job["id"])
            return current if current["status"] in TERMINAL else None

        finished = wait_until(terminal, 60, "the echo job to finish")
        assert finished["status"] == "succeeded", finished
        status = asyncio.run(workflow_status(running_server.address, NAMESPACE, job["id"]))
        assert status == "COMPLETED"
        api.close()
    finally:
        stack.stop()
