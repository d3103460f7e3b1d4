"""Building blocks shared by every workload: metadata, pod security, resources, probes, volumes.

A manifest is a plain dict built by typed functions; it is serialized once, at the edge.
"""

from __future__ import annotations

from typing import Any

from envctl.model.config_sizes import ContainerResources
from envctl.model.environment import Component, Environment

Manifest = dict[str, Any]

# The app image runs as 10001 (docs/runtime-contract.md). Third-party containers run as the
# same high, unprivileged uid: their files are world-readable and nothing writes to their root.
RUN_AS_USER = 10001
CHECKOV_SKIP_PREFIX = "checkov.io/skip"
TMP_VOLUME_MI = 64
SKIP_DIGEST = ("CKV_K8S_43", "images are pinned by tag in deploy/envctl.toml or --image")
SKIP_SECRET_ENV = (
    "CKV_K8S_35",
    "the runtime contract reads settings from the environment; Doppler injects them via envFrom",
)


def metadata(
    env: Environment,
    name: str,
    *,
    component: Component | None = None,
    annotations: dict[str, str] | None = None,
    namespaced: bool = True,
) -> Manifest:
    meta: Manifest = {"name": name}
    if namespaced:
        meta["namespace"] = env.namespace
    meta["labels"] = env.component_labels(component) if component else dict(env.labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def checkov_skips(*reasons: tuple[str, str]) -> dict[str, str]:
    """Annotations that tell checkov which check is skipped on this object, and why."""
    return {
        f"{CHECKOV_SKIP_PREFIX}{index}": f"{check}={reason}"
        for index, (check, reason) in enumerate(reasons, start=1)
    }


def resources(size: ContainerResources) -> Manifest:
    return {
        "requests": {"cpu": f"{size.cpu_request_m}m", "memory": f"{size.memory_request_mi}Mi"},
        "limits": {"cpu": f"{size.cpu_limit_m}m", "memory": f"{size.memory_limit_mi}Mi"},
    }


def go_memory_limit(size: ContainerResources) -> str:
    """GOMEMLIMIT under the container limit: a Go server collects garbage before it is killed."""
    return f"{size.memory_limit_mi * 9 // 10}MiB"


def container_security_context() -> Manifest:
    """Pod Security Standard `restricted`, plus a read-only root filesystem."""
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context() -> Manifest:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_USER,
        "fsGroup": RUN_AS_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def empty_dir(name: str, size_mi: int = TMP_VOLUME_MI) -> Manifest:
    return {"name": name, "emptyDir": {"sizeLimit": f"{size_mi}Mi"}}


def mount(name: str, path: str) -> Manifest:
    return {"name": name, "mountPath": path}


def http_probe(path: str, port: str, *, period: int = 10, failures: int = 3) -> Manifest:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    }


def http_health_probes(
    port: str, live: str, ready: str, *, startup_failures: int
) -> dict[str, Manifest]:
    """Startup every 2 s until `live` answers, then liveness on `live` and readiness on `ready`."""
    return {
        "startupProbe": http_probe(live, port, period=2, failures=startup_failures),
        "livenessProbe": http_probe(live, port),
        "readinessProbe": http_probe(ready, port, period=5),
    }


# The frontend reports this service SERVING only once membership is up; the empty name
# ("the server") is SERVING as soon as the port listens.
WORKFLOW_SERVICE = "temporal.api.workflowservice.v1.WorkflowService"


def grpc_probe(port: int, *, period: int = 10, failures: int = 3) -> Manifest:
    """Kubernetes' native gRPC health probe (grpc.health.v1) for Temporal's WorkflowService."""
    return {
        "grpc": {"port": port, "service": WORKFLOW_SERVICE},
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    }


def env_value(name: str, value: str) -> Manifest:
    return {"name": name, "value": value}


def env_field(name: str, field_path: str) -> Manifest:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}


def env_secret_key(name: str, secret: str, key: str) -> Manifest:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def container(
    name: str,
    image: str,
    *,
    size: ContainerResources,
    command: list[str] | None = None,
    args: list[str] | None = None,
    env: list[Manifest] | None = None,
    env_from_secrets: list[str] | None = None,
    ports: list[Manifest] | None = None,
    probes: dict[str, Manifest] | None = None,
    mounts: list[Manifest] | None = None,
) -> Manifest:
    spec: Manifest = {"name": name, "image": image, "imagePullPolicy": "Always"}
    if command:
        spec["command"] = command
    if args:
        spec["args"] = args
    if env:
        spec["env"] = env
    if env_from_secrets:
        spec["envFrom"] = [{"secretRef": {"name": secret}} for secret in env_from_secrets]
    if ports:
        spec["ports"] = ports
    spec.update(probes or {})
    spec["resources"] = resources(size)
    spec["securityContext"] = container_security_context()
    if mounts:
        spec["volumeMounts"] = mounts
    return spec


def port(name: str, number: int) -> Manifest:
    return {"name": name, "containerPort": number, "protocol": "TCP"}


def pod_template(
    env: Environment,
    component: Component,
    *,
    service_account: str,
    containers: list[Manifest],
    volumes: list[Manifest],
    init_containers: list[Manifest] | None = None,
    restart_policy: str | None = None,
    grace_seconds: int = 30,
) -> Manifest:
    spec: Manifest = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(),
        "terminationGracePeriodSeconds": grace_seconds,
    }
    if env.config.registry.pull_secret:
        spec["imagePullSecrets"] = [{"name": env.config.registry.pull_secret}]
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    if init_containers:
        spec["initContainers"] = init_containers
    spec["containers"] = containers
    spec["volumes"] = volumes
    return {"metadata": {"labels": env.component_labels(component)}, "spec": spec}
