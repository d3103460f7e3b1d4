"""Every Kubernetes kind envctl renders or reads: its API resource, scope and apply phase.

Render sorts by this table, apply runs its phases in this order, prune lists the rendered
namespaced kinds and kubectl names each kind by its group-qualified resource (so no CRD can
shadow it). A new kind is one row here plus the builder that renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from envctl.model.environment import LABEL_PREFIX

# "read": envctl reads objects of the kind (nodes, pods, events) but never renders one.
Phase = Literal["namespace", "before-workloads", "workloads", "read"]
NAMESPACE: Phase = "namespace"
BEFORE_WORKLOADS: Phase = "before-workloads"
WORKLOADS: Phase = "workloads"
# A Job with this annotation set to "before-workloads" must complete before the workloads apply.
APPLY_PHASE_ANNOTATION = LABEL_PREFIX + "apply-phase"


# Where a pod-running kind keeps its pod template, and what sets its pod count.
TEMPLATE = ("spec", "template")
Scaling = Literal["replicas", "parallelism"]


@dataclass(frozen=True)
class Kind:
    name: str
    resource: str
    phase: Phase
    namespaced: bool = True
    pod_template: tuple[str, ...] | None = None  # None: the kind runs no pods
    scaling: Scaling = "replicas"

    @property
    def runs_to_completion(self) -> bool:
        """Its pods finish (Jobs) instead of serving: no liveness or readiness probe."""
        return self.scaling == "parallelism"


# In render (and apply) order: guard rails, identities and policies, secrets and config, the
# Jobs the workloads wait for, then workloads and what routes to them.
KINDS = (
    Kind("Namespace", "namespaces", NAMESPACE, namespaced=False),
    Kind("ResourceQuota", "resourcequotas", BEFORE_WORKLOADS),
    Kind("LimitRange", "limitranges", BEFORE_WORKLOADS),
    Kind("ServiceAccount", "serviceaccounts", BEFORE_WORKLOADS),
    Kind("NetworkPolicy", "networkpolicies.networking.k8s.io", BEFORE_WORKLOADS),
    Kind("DopplerSecret", "dopplersecrets.secrets.doppler.com", BEFORE_WORKLOADS),
    Kind("Secret", "secrets", BEFORE_WORKLOADS),
    Kind("ConfigMap", "configmaps", BEFORE_WORKLOADS),
    Kind("PersistentVolumeClaim", "persistentvolumeclaims", BEFORE_WORKLOADS),
    Kind("Job", "jobs.batch", BEFORE_WORKLOADS, pod_template=TEMPLATE, scaling="parallelism"),
    Kind("Deployment", "deployments.apps", WORKLOADS, pod_template=TEMPLATE),
    Kind("Service", "services", WORKLOADS),
    Kind("HorizontalPodAutoscaler", "horizontalpodautoscalers.autoscaling", WORKLOADS),
    Kind("PodDisruptionBudget", "poddisruptionbudgets.policy", WORKLOADS),
    Kind("Ingress", "ingresses.networking.k8s.io", WORKLOADS),
    Kind("Node", "nodes", "read", namespaced=False),
    Kind("Pod", "pods", "read"),
    Kind("Event", "events", "read"),
)
_BY_NAME = {kind.name: kind for kind in KINDS}
_ORDER = {kind.name: index for index, kind in enumerate(KINDS)}


def kind(name: str) -> Kind:
    return _BY_NAME[name]


def resource(name: str) -> str:
    return _BY_NAME[name].resource


def order(name: str) -> int:
    """Position in render and apply order."""
    return _ORDER[name]


def pod_kinds() -> list[Kind]:
    """The kinds that run pods, in order."""
    return [item for item in KINDS if item.pod_template is not None]


def rendered_kinds(phase: Phase | None = None) -> list[str]:
    """The kinds envctl renders (of one phase, if given), in order."""
    wanted = (phase,) if phase else (NAMESPACE, BEFORE_WORKLOADS, WORKLOADS)
    return [item.name for item in KINDS if item.phase in wanted]
