"""The Namespace and its guard rails: Pod Security labels, ResourceQuota and LimitRange.

The quota is computed from the rendered workloads (every pod at its maximum replica count,
plus the extra pod of a rolling update), so it can never drift from the sizes in the config.
"""

from __future__ import annotations

from datetime import UTC, datetime

from envctl.manifests.base import Manifest, metadata
from envctl.manifests.workloads import ZERO, mebibytes, workloads
from envctl.model.environment import (
    DEPLOYED_AT_FORMAT,
    DEPLOYED_AT_LABEL,
    LABEL_PREFIX,
    Environment,
)

# What the namespace tells `envctl list` and the next deploy about the environment.
IMAGE_ANNOTATION = LABEL_PREFIX + "image"
APP_URL_ANNOTATION = LABEL_PREFIX + "app-url"
TEMPORAL_UI_URL_ANNOTATION = LABEL_PREFIX + "temporal-ui-url"
# Enforce the profile as of the oldest supported minor; warn and audit against the newest,
# so a stricter future rule shows up as a warning before it can block a rollout.
PSS_LABELS = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "v1.30",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
}


def namespace(env: Environment) -> Manifest:
    meta = metadata(
        env,
        env.namespace,
        namespaced=False,
        annotations={
            LABEL_PREFIX + "database": env.database,
            LABEL_PREFIX + "database-role": env.database_role,
            IMAGE_ANNOTATION: env.image,
            APP_URL_ANNOTATION: env.app_url,
            TEMPORAL_UI_URL_ANNOTATION: env.temporal_ui_url,
        },
    )
    meta["labels"] = {
        **meta["labels"],
        DEPLOYED_AT_LABEL: env.deployed_at.strftime(DEPLOYED_AT_FORMAT),
        **PSS_LABELS,
    }
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def recorded_deployed_at(label: str | None) -> datetime | None:
    """The time a namespace's deployed-at label holds; None when it is missing or unreadable."""
    if not label:
        return None
    try:
        return datetime.strptime(label, DEPLOYED_AT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def quota_totals(objects: list[Manifest]) -> dict[str, int]:
    """Sum of requests and limits of every pod the workloads can run at once."""
    running = list(workloads(objects))
    requests = sum((w.pod_size("requests") * w.max_pods for w in running), ZERO)
    limits = sum((w.pod_size("limits") * w.max_pods for w in running), ZERO)
    return {
        "pods": sum(w.max_pods for w in running),
        "cpu_request_m": requests.cpu_m,
        "memory_request_mi": requests.memory_mi,
        "cpu_limit_m": limits.cpu_m,
        "memory_limit_mi": limits.memory_mi,
    }


def resource_quota(env: Environment, objects: list[Manifest]) -> Manifest:
    totals = quota_totals(objects)
    services = sum(1 for item in objects if item["kind"] == "Service")
    claims = [item for item in objects if item["kind"] == "PersistentVolumeClaim"]
    storage_mi = sum(
        mebibytes(claim["spec"]["resources"]["requests"]["storage"]) for claim in claims
    )
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": metadata(env, "environment"),
        "spec": {
            "hard": {
                "pods": str(totals["pods"]),
                "requests.cpu": f"{totals['cpu_request_m']}m",
                "requests.memory": f"{totals['memory_request_mi']}Mi",
                "limits.cpu": f"{totals['cpu_limit_m']}m",
                "limits.memory": f"{totals['memory_limit_mi']}Mi",
                "services": str(services),
                "services.loadbalancers": "0",
                "services.nodeports": "0",
                "persistentvolumeclaims": str(len(claims)),
                **({"requests.storage": f"{storage_mi}Mi"} if claims else {}),
            }
        },
    }


def limit_range(env: Environment, objects: list[Manifest]) -> Manifest:
    """Defaults for a container without sizes (`kubectl debug`), and a ceiling per container."""
    limits = [c.size("limits") for w in workloads(objects) for c in w.containers]
    max_cpu = max(limit.cpu_m for limit in limits)
    max_memory = max(limit.memory_mi for limit in limits)
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": metadata(env, "container-defaults"),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "defaultRequest": {"cpu": "50m", "memory": "64Mi"},
                    "default": {"cpu": "250m", "memory": "128Mi"},
                    "max": {"cpu": f"{max_cpu}m", "memory": f"{max_memory}Mi"},
                }
            ]
        },
    }
