"""Is an object envctl's? envctl only ever changes or deletes what it made.

A namespace is envctl's when it carries `app.kubernetes.io/managed-by=envctl` and the
environment kind and instance it was made for; an object inside it is prunable only when it
also has envctl as a server-side-apply field manager and no owner (controllers' objects, such
as the Secret the Doppler operator writes or cert-manager's TLS Secrets, are never touched).
"""

from __future__ import annotations

from envctl.cluster.kubectl import FIELD_MANAGER, Kubectl
from envctl.manifests.base import Manifest
from envctl.model.environment import ENV_KIND_LABEL, INSTANCE_LABEL, MANAGED_BY, Environment

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"


def managed_labels(env: Environment) -> dict[str, str]:
    """The selector of everything envctl applied for this environment."""
    return {MANAGED_BY_LABEL: MANAGED_BY, INSTANCE_LABEL: env.instance}


def managed_namespaces(kubectl: Kubectl) -> list[Manifest]:
    """Every namespace envctl made, by name."""
    namespaces = kubectl.list_objects(["Namespace"], labels={MANAGED_BY_LABEL: MANAGED_BY})
    return sorted(namespaces, key=lambda n: str(n["metadata"]["name"]))


def foreign_namespace_problem(namespace: Manifest | None, env: Environment) -> str | None:
    """Why envctl must not touch this existing namespace, or None if it may (or it is absent)."""
    if namespace is None:
        return None
    labels = namespace["metadata"].get("labels", {})
    name = env.namespace
    if labels.get(MANAGED_BY_LABEL) != MANAGED_BY:
        return (
            f"namespace {name} exists but lacks the label {MANAGED_BY_LABEL}={MANAGED_BY}; "
            "envctl never touches a namespace it did not create. Pick another namespace_prefix, "
            "or remove that namespace yourself"
        )
    for label, expected in ((ENV_KIND_LABEL, env.kind.value), (INSTANCE_LABEL, env.instance)):
        if labels.get(label) != expected:
            return (
                f"namespace {name} is envctl's but labelled {label}={labels.get(label)!r}, "
                f"not {expected!r}; refusing to treat it as this environment"
            )
    return None


def applied_by_envctl(item: Manifest) -> bool:
    meta = item["metadata"]
    if meta.get("ownerReferences"):
        return False
    labels = meta.get("labels", {})
    if labels.get(MANAGED_BY_LABEL) != MANAGED_BY:
        return False
    return any(
        entry.get("manager") == FIELD_MANAGER and entry.get("operation") == "Apply"
        for entry in meta.get("managedFields", [])
    )
