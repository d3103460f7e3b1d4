"""The Namespace and its guard rails: Pod Security labels, ResourceQuota and LimitRange.

The quota is computed from the rendered workloads (every pod at its maximum replica count,
plus the extra pod of a rolling update), so it can never drift from the sizes in the config.
"""

from __future__ import annotations

from collections.abc import Iterable

from envctl.manifests.base import Manifest, metadata
from envctl.model.environment import (
    DEPLOYED_AT_FORMAT,
    DEPLOYED_AT_LABEL,
    LABEL_PREFIX,
    Environment,
)

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
            LABEL_PREFIX + "image": env.image,
            LABEL_PREFIX + "app-url": env.app_url,
            LABEL_PREFIX + "temporal-ui-url": env.temporal_ui_url,
        },
    )
    meta["labels"] = {
        **meta["labels"],
        DEPLOYED_AT_LABEL: env.deployed_at.strftime(DEPLOYED_AT_FORMAT),
        **PSS_LABELS,
    }
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def cpu_millicores(quantity: str) -> int:
    return int(quantity.removesuffix("m")) if quantity.endswith("m") else int(quantity) * 1000


def memory_mebibytes(quantity: str) -> int:
    if quantity.endswith("Gi"):
        return int(quantity.removesuffix("Gi")) * 1024
    return int(quantity.removesuffix("Mi"))


def _pod_totals(pod_spec: Manifest, bound: str) -> tuple[int, int]:
    """What the scheduler counts for one pod: the larger of any init container and the sum."""

    def totals(containers: Iterable[Manifest]) -> list[tuple[int, int]]:
        return [
            (
                cpu_millicores(c["resources"][bound]["cpu"]),
                memory_mebibytes(c["resources"][bound]["memory"]),
            )
            for c in containers
        ]

    regular = totals(pod_spec["containers"])
    init = totals(pod_spec.get("initContainers", []))
    cpu = max([sum(c for c, _ in regular), *(c for c, _ in init)])
    memory = max([sum(m for _, m in regular), *(m for _, m in init)])
    return cpu, memory


def _max_pods(workload: Manifest, objects: list[Manifest]) -> int:
    if workload["kind"] == "Job":
        return int(workload["spec"].get("parallelism", 1))
    spec = workload["spec"]
    replicas = spec.get("replicas")
    if replicas is None:
        replicas = next(
            hpa["spec"]["maxReplicas"]
            for hpa in objects
            if hpa["kind"] == "HorizontalPodAutoscaler"
            and hpa["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]
        )
    surge = spec["strategy"].get("rollingUpdate", {}).get("maxSurge", 0)
    return int(replicas) + int(surge)


def quota_totals(objects: list[Manifest]) -> dict[str, int]:
    """Sum of requests and limits of every pod the workloads can run at once."""
    totals = {"pods": 0, "cpu_request_m": 0, "memory_request_mi": 0}
    totals |= {"cpu_limit_m": 0, "memory_limit_mi": 0}
    for workload in objects:
        if workload["kind"] not in ("Deployment", "Job"):
            continue
        pods = _max_pods(workload, objects)
        pod_spec = workload["spec"]["template"]["spec"]
        cpu_request, memory_request = _pod_totals(pod_spec, "requests")
        cpu_limit, memory_limit = _pod_totals(pod_spec, "limits")
        totals["pods"] += pods
        totals["cpu_request_m"] += pods * cpu_request
        totals["memory_request_mi"] += pods * memory_request
        totals["cpu_limit_m"] += pods * cpu_limit
        totals["memory_limit_mi"] += pods * memory_limit
    return totals


def resource_quota(env: Environment, workloads: list[Manifest]) -> Manifest:
    totals = quota_totals(workloads)
    services = sum(1 for item in workloads if item["kind"] == "Service")
    claims = [item for item in workloads if item["kind"] == "PersistentVolumeClaim"]
    storage_mi = sum(
        int(claim["spec"]["resources"]["requests"]["storage"].removesuffix("Mi"))
        for claim in claims
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


def limit_range(env: Environment, workloads: list[Manifest]) -> Manifest:
    """Defaults for a container without sizes (`kubectl debug`), and a ceiling per container."""
    containers = [
        c
        for item in workloads
        if item["kind"] in ("Deployment", "Job")
        for c in item["spec"]["template"]["spec"]["containers"]
        + item["spec"]["template"]["spec"].get("initContainers", [])
    ]
    max_cpu = max(cpu_millicores(c["resources"]["limits"]["cpu"]) for c in containers)
    max_memory = max(memory_mebibytes(c["resources"]["limits"]["memory"]) for c in containers)
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
