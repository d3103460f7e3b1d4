"""temporal-server's container and in-cluster Service, shared by the preview pod and production."""

from __future__ import annotations

from app.temporal_address import TEMPORAL_FRONTEND_PORT, TEMPORAL_SERVICE_NAME
from envctl.manifests.base import Manifest, container, grpc_probe, port
from envctl.manifests.objects import service, service_port
from envctl.model.config_sizes import ContainerResources
from envctl.model.environment import Component, Environment


def server_container(
    image: str,
    size: ContainerResources,
    settings: list[Manifest],
    mounts: list[Manifest],
    *,
    startup: tuple[int, int],
    command: list[str] | None = None,
) -> Manifest:
    """temporal-server on its frontend port, probed there; `startup` is (period, failures)."""
    period, failures = startup
    return container(
        Component.TEMPORAL_SERVER.value,
        image,
        size=size,
        command=command,
        env=settings,
        ports=[port("grpc", TEMPORAL_FRONTEND_PORT)],
        probes={
            "startupProbe": grpc_probe(TEMPORAL_FRONTEND_PORT, period=period, failures=failures),
            "livenessProbe": grpc_probe(TEMPORAL_FRONTEND_PORT),
            "readinessProbe": grpc_probe(TEMPORAL_FRONTEND_PORT, period=5),
        },
        mounts=mounts,
    )


def server_service(env: Environment, selected: Component) -> Manifest:
    """temporal-server's Service: ClusterIP only, no Ingress routes to it."""
    ports = [service_port("grpc", TEMPORAL_FRONTEND_PORT, "grpc")]
    return service(env, TEMPORAL_SERVICE_NAME, selected, ports)
