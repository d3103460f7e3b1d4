"""temporal-server's in-cluster Service, shared by the preview pod and production."""

from __future__ import annotations

from app.temporal_address import TEMPORAL_FRONTEND_PORT, TEMPORAL_SERVICE_NAME
from envctl.manifests.base import Manifest
from envctl.manifests.objects import service, service_port
from envctl.model.environment import Component, Environment


def server_service(env: Environment, selected: Component) -> Manifest:
    """temporal-server's Service: ClusterIP only, no Ingress routes to it."""
    ports = [service_port("grpc", TEMPORAL_FRONTEND_PORT, "grpc")]
    return service(env, TEMPORAL_SERVICE_NAME, selected, ports)
