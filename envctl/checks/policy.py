"""Policy checks over rendered objects. Each returns a list of problems; empty means it holds.

These are the rules issue 3 sets: sizes and real probes on every container, pinned images,
no secret values, Pod Security `restricted`, secrets only for our own containers, and
temporal-server reachable only inside the cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from app.temporal_address import TEMPORAL_SERVICE_NAME
from envctl.manifests.base import Manifest
from envctl.manifests.kinds import kind as kind_of
from envctl.manifests.secrets import APP_SECRET_SOURCES
from envctl.manifests.workloads import containers, pod_specs, workloads
from envctl.model.environment import Component
from envctl.model.inputs import InputError, require_image_ref

PROBE_KINDS = ("httpGet", "grpc", "tcpSocket")
RESTRICTED_VOLUME_TYPES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|DATABASE_URL)", re.I)
CREDENTIAL_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)
PREVIEW_TEMPORAL_CONTAINERS = ["python-worker", "temporal-server", "temporal-ui"]


def _name(item: Manifest) -> str:
    return f"{item['kind']}/{item['metadata']['name']}"


def resources_problems(objects: list[Manifest]) -> list[str]:
    problems = []
    for item, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            sizes = spec.get("resources", {})
            for bound in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in sizes.get(bound, {}):
                        problems.append(f"{_name(item)} {spec['name']}: no {bound}.{resource}")
    return problems


def probe_problems(objects: list[Manifest]) -> list[str]:
    """Long-running containers have liveness and readiness probes that really check something."""
    problems = []
    for item, pod in pod_specs(objects):
        for spec, is_init in containers(pod):
            for probe_name in ("startupProbe", "livenessProbe", "readinessProbe"):
                probe = spec.get(probe_name)
                if probe is None:
                    completes = kind_of(item["kind"]).runs_to_completion
                    if not is_init and not completes and probe_name != "startupProbe":
                        problems.append(f"{_name(item)} {spec['name']}: no {probe_name}")
                    continue
                kinds = [kind for kind in probe if kind in (*PROBE_KINDS, "exec")]
                if len(kinds) != 1 or kinds[0] not in PROBE_KINDS:
                    problems.append(
                        f"{_name(item)} {spec['name']}: {probe_name} must be httpGet, grpc or "
                        f"tcpSocket, found {kinds or 'nothing'}"
                    )
    return problems


def image_problems(objects: list[Manifest]) -> list[str]:
    problems = []
    for item, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            try:
                require_image_ref(spec.get("image", ""), "image")
            except InputError as error:
                problems.append(f"{_name(item)} {spec['name']}: {error}")
    return problems


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def secret_value_problems(objects: list[Manifest]) -> list[str]:
    """No value of a secret anywhere: not in Secrets, env, config maps or any other string."""
    problems = []
    for item in objects:
        if item["kind"] == "Secret" and (item.get("data") or item.get("stringData")):
            problems.append(
                f"{_name(item)}: carries values; deploy applies them, render never does"
            )
        if item["kind"] == "ConfigMap":
            for key in {**item.get("data", {}), **item.get("binaryData", {})}:
                if SECRET_NAME.search(key):
                    problems.append(f"{_name(item)}: key {key} looks like a secret")
        for text in _strings(item):
            if CREDENTIAL_URL.search(text):
                problems.append(f"{_name(item)}: a URL with credentials")
    for item, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            for var in spec.get("env", []):
                if "value" in var and SECRET_NAME.search(var["name"]):
                    problems.append(
                        f"{_name(item)} {spec['name']}: {var['name']} has a literal value"
                    )
    return problems


def restricted_problems(objects: list[Manifest]) -> list[str]:
    """Pod Security Standard `restricted`, plus read-only root filesystems and no API token."""
    problems = []
    for item, pod in pod_specs(objects):
        where = _name(item)
        pod_context = pod.get("securityContext", {})
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(field):
                problems.append(f"{where}: {field}")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: mounts a service account token")
        for volume in pod.get("volumes", []):
            kinds = [key for key in volume if key != "name"]
            if any(kind not in RESTRICTED_VOLUME_TYPES for kind in kinds):
                problems.append(f"{where}: volume {volume['name']} of type {kinds}")
        for spec, _ in containers(pod):
            context = spec.get("securityContext", {})
            effective = {**pod_context, **context}  # a container's own settings win
            label = f"{where} {spec['name']}"
            if effective.get("runAsNonRoot") is not True:
                problems.append(f"{label}: runAsNonRoot is not true")
            if effective.get("runAsUser") == 0:
                problems.append(f"{label}: runs as uid 0")
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{label}: allowPrivilegeEscalation is not false")
            if context.get("privileged"):
                problems.append(f"{label}: privileged")
            capabilities = context.get("capabilities", {})
            if "ALL" not in capabilities.get("drop", []):
                problems.append(f"{label}: does not drop ALL capabilities")
            if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
                problems.append(f"{label}: adds capabilities {capabilities['add']}")
            seccomp = effective.get("seccompProfile", {}).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                problems.append(f"{label}: seccompProfile is {seccomp}")
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{label}: root filesystem is writable")
            if any("hostPort" in p for p in spec.get("ports", [])):
                problems.append(f"{label}: uses a hostPort")
    return problems


def secret_consumer_problems(objects: list[Manifest], app_image: str) -> list[str]:
    """Only containers of our own image receive the app's secrets."""
    problems = []
    for workload in workloads(objects):
        for container in workload.containers:
            shared = (container.env_from_secrets | container.key_secrets) & set(APP_SECRET_SOURCES)
            image = container.spec["image"]
            if shared and image != app_image:
                problems.append(
                    f"{_name(workload.item)} {container.name}: third-party image {image} "
                    f"receives {sorted(shared)}"
                )
    return problems


def exposure_problems(objects: list[Manifest]) -> list[str]:
    """temporal-server is ClusterIP-only and unreachable from any Ingress; the preview
    Temporal pod has exactly its three containers."""
    problems = []
    for item in objects:
        if item["kind"] == "Service" and item["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"{_name(item)}: type {item['spec']['type']}, expected ClusterIP")
        if item["kind"] == "Ingress":
            for rule in item["spec"].get("rules", []):
                for path in rule.get("http", {}).get("paths", []):
                    if path["backend"]["service"]["name"] == TEMPORAL_SERVICE_NAME:
                        problems.append(f"{_name(item)}: routes to {TEMPORAL_SERVICE_NAME}")
        if (
            item["kind"] == "Deployment"
            and item["metadata"]["name"] == Component.TEMPORAL_POD.value
        ):
            names = [c["name"] for c in item["spec"]["template"]["spec"]["containers"]]
            if names != PREVIEW_TEMPORAL_CONTAINERS:
                problems.append(
                    f"{_name(item)}: containers {names}, expected {PREVIEW_TEMPORAL_CONTAINERS}"
                )
    return problems


AUTH_URL_ANNOTATION = "nginx.ingress.kubernetes.io/auth-url"


def ui_write_problems(objects: list[Manifest]) -> list[str]:
    """A Temporal UI with write actions on is behind OIDC or its Ingress's external auth."""
    guarded = any(
        item["kind"] == "Ingress"
        and item["metadata"]["name"] == Component.TEMPORAL_UI.value
        and AUTH_URL_ANNOTATION in item["metadata"].get("annotations", {})
        for item in objects
    )
    problems = []
    for item, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            if spec["name"] != Component.TEMPORAL_UI.value:
                continue
            env = {var["name"]: var.get("value") for var in spec.get("env", [])}
            writes = env.get("TEMPORAL_DISABLE_WRITE_ACTIONS") != "true"
            if writes and env.get("TEMPORAL_AUTH_ENABLED") != "true" and not guarded:
                problems.append(
                    f"{_name(item)} {spec['name']}: write actions on without authentication"
                )
    return problems


PolicyCheck = Callable[[list[Manifest]], list[str]]


def policy_checks(app_image: str) -> dict[str, PolicyCheck]:
    """Every policy by the name `envctl validate` prints."""
    return {
        "policy: requests and limits": resources_problems,
        "policy: real probes": probe_problems,
        "policy: pinned images": image_problems,
        "policy: no secret values": secret_value_problems,
        "policy: pod security restricted": restricted_problems,
        "policy: secrets for our containers only": lambda objects: secret_consumer_problems(
            objects, app_image
        ),
        "policy: temporal-server internal only": exposure_problems,
        "policy: Temporal UI writes need auth": ui_write_problems,
    }
