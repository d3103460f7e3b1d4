"""Apply an environment: server-side apply in render order, in three steps, then prune.

1. the Namespace;
2. everything that precedes the workloads in render order (quota, accounts, policies,
   secrets, config, Jobs); then wait for what the workloads need: the Secrets the Doppler
   operator writes, and the Jobs annotated `envctl/apply-phase: before-workloads`
   (production's Temporal schema Job) to complete;
3. the workloads and what routes to them.

Then prune: every object envctl applied earlier in this namespace (its labels, envctl as field
manager, no owner) that is not in this apply is deleted. Each object is reported as created,
changed or unchanged, from its resourceVersion before and after: an apply that changes
nothing does not bump it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from envctl.cluster.kubectl import Kubectl, object_key
from envctl.cluster.ownership import applied_by_envctl, managed_labels
from envctl.manifests.base import Manifest
from envctl.manifests.kinds import (
    APPLY_PHASE_ANNOTATION,
    BEFORE_WORKLOADS,
    NAMESPACE,
    WORKLOADS,
    kind,
    rendered_kinds,
)
from envctl.manifests.worker import BUILD_LABEL
from envctl.model.environment import Environment


def prunable_kinds(env: Environment) -> list[str]:
    """Every kind envctl can render into a namespace, whether or not it renders it now."""
    kinds = [name for name in rendered_kinds() if kind(name).namespaced]
    if env.config.secrets_mode != "doppler":  # without the operator, its CRD may not exist
        kinds.remove("DopplerSecret")
    return kinds


def before_workload_jobs(objects: list[Manifest]) -> list[Manifest]:
    return [
        item
        for item in objects
        if item["kind"] == "Job"
        and item["metadata"].get("annotations", {}).get(APPLY_PHASE_ANNOTATION) == BEFORE_WORKLOADS
    ]


def phases(objects: list[Manifest]) -> tuple[list[Manifest], list[Manifest], list[Manifest]]:
    """(the Namespace, what precedes the workloads, the workloads and the rest)."""
    namespace, early, late = [
        [item for item in objects if kind(item["kind"]).phase == phase]
        for phase in (NAMESPACE, BEFORE_WORKLOADS, WORKLOADS)
    ]
    return namespace, early, late


def describe(item: Manifest) -> str:
    return f"{item['kind']}/{item['metadata']['name']}"


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    @property
    def any_change(self) -> bool:
        return bool(self.created or self.changed or self.pruned)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged, {len(self.pruned)} pruned"
        )


def apply_environment(
    kubectl: Kubectl,
    env: Environment,
    objects: list[Manifest],
    *,
    live_namespace: Manifest | None,
    before_workloads: Callable[[list[Manifest]], None],
    say: Callable[[str], None],
) -> ApplyResult:
    """Apply `objects` (in render order) and prune what is no longer rendered."""
    before: dict[tuple[str, str, str], Manifest] = {}
    if live_namespace is not None:
        before[object_key(live_namespace)] = live_namespace
        for item in kubectl.list_objects(
            prunable_kinds(env),
            namespace=env.namespace,
            labels=managed_labels(env),
            managed_fields=True,
        ):
            before[object_key(item)] = item

    result = ApplyResult()
    namespace, early, late = phases(objects)
    applied: dict[tuple[str, str, str], Manifest] = {}
    for step, batch in (("namespace", namespace), ("before workloads", early), ("workloads", late)):
        if not batch:
            continue
        for item in kubectl.apply(batch):
            applied[object_key(item)] = item
        say(f"applied {len(batch)} object{'' if len(batch) == 1 else 's'} ({step})")
        if step == "before workloads":
            before_workloads(batch)

    for key, item in applied.items():
        old = before.get(key)
        name = describe(item)
        if old is None:
            result.created.append(name)
        elif old["metadata"].get("resourceVersion") != item["metadata"].get("resourceVersion"):
            result.changed.append(name)
        else:
            result.unchanged.append(name)

    wanted = {object_key(item) for item in objects}
    for key, item in before.items():
        if key in wanted or item["kind"] == "Namespace" or not applied_by_envctl(item):
            continue
        if BUILD_LABEL in item["metadata"].get("labels", {}):
            continue  # an older worker build: retired by the versioned rollout once drained

        kubectl.delete(item["kind"], item["metadata"]["name"], env.namespace)
        result.pruned.append(describe(item))
    if result.pruned:
        say(f"pruned {len(result.pruned)}: {', '.join(result.pruned)}")
    return result
