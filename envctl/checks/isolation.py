"""Isolation between two rendered environments (the bugs of the original project, as checks).

Two environments must share no object in a shared scope, the only cluster-scoped objects are
Namespaces, and no Service, NetworkPolicy, PodDisruptionBudget or Deployment selector of one may
select the other's pods, counting namespaces the way Kubernetes does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from envctl.manifests.base import Manifest
from envctl.manifests.workloads import workloads
from envctl.model.environment import INSTANCE_LABEL

CLUSTER_SCOPED_ALLOWED = {"Namespace"}
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Pods:
    """The pods a workload runs: where, and with which labels."""

    owner: str
    namespace: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Selection:
    """A selector and the namespaces it can reach (None: namespaces matching a selector)."""

    owner: str
    namespace: str
    pod_selector: Manifest
    namespace_selector: Manifest | None = None


def _name(item: Manifest) -> str:
    return f"{item['kind']}/{item['metadata']['name']}"


def _matches(selector: Manifest, labels: dict[str, str]) -> bool:
    if set(selector) - {"matchLabels"}:
        raise ValueError(f"unsupported selector {selector}: envctl only uses matchLabels")
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def pods(objects: list[Manifest]) -> list[Pods]:
    return [
        Pods(
            _name(workload.item),
            workload.item["metadata"]["namespace"],
            workload.pod_template["metadata"]["labels"],
        )
        for workload in workloads(objects)
    ]


def namespace_labels(objects: list[Manifest]) -> dict[str, dict[str, str]]:
    return {
        item["metadata"]["name"]: {
            **item["metadata"].get("labels", {}),
            NAMESPACE_NAME_LABEL: item["metadata"]["name"],
        }
        for item in objects
        if item["kind"] == "Namespace"
    }


def selections(objects: list[Manifest]) -> Iterator[Selection]:
    for item in objects:
        owner, namespace, spec = (
            _name(item),
            item["metadata"].get("namespace", ""),
            item.get("spec", {}),
        )
        if item["kind"] == "Service" and spec.get("selector"):
            yield Selection(owner, namespace, {"matchLabels": spec["selector"]})
        if item["kind"] in ("Deployment", "PodDisruptionBudget", "Job") and "selector" in spec:
            yield Selection(owner, namespace, spec["selector"])
        if item["kind"] == "NetworkPolicy":
            yield Selection(owner, namespace, spec["podSelector"])
            for rule in spec.get("ingress", []) + spec.get("egress", []):
                for peer in rule.get("from", []) + rule.get("to", []):
                    if "ipBlock" in peer:
                        continue
                    yield Selection(
                        f"{owner} peer",
                        namespace,
                        peer.get("podSelector", {}),
                        peer.get("namespaceSelector"),
                    )


def _reaches(selection: Selection, target: Pods, namespaces: dict[str, dict[str, str]]) -> bool:
    if selection.namespace_selector is None:
        in_scope = target.namespace == selection.namespace
    else:
        in_scope = _matches(selection.namespace_selector, namespaces.get(target.namespace, {}))
    return in_scope and _matches(selection.pod_selector, target.labels)


def scope_problems(objects: list[Manifest]) -> list[str]:
    """One namespace per environment; only Namespaces are cluster-scoped."""
    problems = []
    own = {item["metadata"]["name"] for item in objects if item["kind"] == "Namespace"}
    for item in objects:
        namespace = item["metadata"].get("namespace")
        if namespace is None and item["kind"] not in CLUSTER_SCOPED_ALLOWED:
            problems.append(f"{_name(item)}: cluster-scoped, only Namespaces may be")
        if namespace is not None and namespace not in own:
            problems.append(f"{_name(item)}: in namespace {namespace}, outside the environment")
    return problems


def instance_label_problems(objects: list[Manifest]) -> list[str]:
    """Every non-empty pod selector within the namespace names this environment's instance;
    peers in other namespaces (DNS, the ingress controller) are infrastructure, not environments."""
    instances = {item["metadata"]["labels"].get(INSTANCE_LABEL) for item in objects} - {None}
    problems = []
    for selection in selections(objects):
        labels = selection.pod_selector.get("matchLabels", {})
        if selection.namespace_selector is not None:
            continue
        if labels and labels.get(INSTANCE_LABEL) not in instances:
            problems.append(f"{selection.owner}: selector {labels} lacks the instance label")
    return problems


def isolation_problems(first: list[Manifest], second: list[Manifest]) -> list[str]:
    problems = scope_problems(first) + scope_problems(second)
    problems += instance_label_problems(first) + instance_label_problems(second)

    def identity(item: Manifest) -> tuple[str, str, str]:
        return item["kind"], item["metadata"].get("namespace", ""), item["metadata"]["name"]

    shared = {identity(item) for item in first} & {identity(item) for item in second}
    problems += [
        f"both environments render {kind} {ns}/{name}" for kind, ns, name in sorted(shared)
    ]

    hosts = [
        {
            rule["host"]
            for item in objects
            if item["kind"] == "Ingress"
            for rule in item["spec"]["rules"]
        }
        for objects in (first, second)
    ]
    problems += [f"both environments serve host {host}" for host in sorted(hosts[0] & hosts[1])]

    namespaces = namespace_labels(first) | namespace_labels(second)
    for mine, theirs in ((first, second), (second, first)):
        for selection in selections(mine):
            for target in pods(theirs):
                if _reaches(selection, target, namespaces):
                    problems.append(
                        f"{selection.owner} selects {target.owner} in {target.namespace}"
                    )
    return problems
