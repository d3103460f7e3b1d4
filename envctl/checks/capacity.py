"""Does an environment fit the cluster? Node allocatable minus what scheduled pods request.

The check counts what the scheduler counts: requests (not usage) of every pod bound to a node
that can take our pods (schedulable, Ready, no NoSchedule/NoExecute taint). It runs before
deploy changes anything, so a preview that cannot fit is reported instead of left Pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from envctl.manifests.base import Manifest
from envctl.manifests.workloads import ZERO, Amount, amount, pod_size, workloads

BLOCKING_TAINTS = ("NoSchedule", "NoExecute")
FINISHED_PHASES = ("Succeeded", "Failed")


def environment_pods(objects: list[Manifest]) -> list[tuple[str, Amount]]:
    """Every pod the environment runs at its normal size (HPA minimum), with its request."""
    return [
        (f"{workload.kind}/{workload.name}", workload.pod_size())
        for workload in workloads(objects)
        for _ in range(workload.normal_pods)
    ]


def _usable(node: Manifest) -> bool:
    if node.get("spec", {}).get("unschedulable"):
        return False
    if any(t.get("effect") in BLOCKING_TAINTS for t in node.get("spec", {}).get("taints", [])):
        return False
    conditions = node.get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


@dataclass(frozen=True)
class CapacityReport:
    needed: Amount
    free: Amount
    usable_nodes: int
    unplaceable: tuple[str, Amount] | None  # a pod no single node has room for
    most_room: Amount  # the most CPU and the most memory any one node has free

    @property
    def missing(self) -> Amount:
        gap = self.needed - self.free
        return Amount(max(gap.cpu_m, 0), max(gap.memory_mi, 0))

    @property
    def fits(self) -> bool:
        return self.usable_nodes > 0 and self.needed.fits_in(self.free) and not self.unplaceable

    def problem(self) -> str:
        if self.usable_nodes == 0:
            return "no schedulable, Ready node without a NoSchedule/NoExecute taint"
        if not self.needed.fits_in(self.free):
            return (
                f"not enough room: the environment requests {self.needed}, the cluster has "
                f"{self.free} free; missing {self.missing}"
            )
        name, request = self.unplaceable or ("?", ZERO)
        return (
            f"no single node has room for a pod of {name} ({request}); the most free on any "
            f"node is {self.most_room.cpu_m}m CPU and {self.most_room.memory_mi}Mi memory"
        )


def capacity_report(
    nodes: Iterable[Manifest],
    pods: Iterable[Manifest],
    environment: list[tuple[str, Amount]],
    *,
    replaced_namespace: str,
) -> CapacityReport:
    """Room on usable nodes, not counting the pods of the namespace being (re)deployed."""
    room: dict[str, Amount] = {
        node["metadata"]["name"]: amount(node.get("status", {}).get("allocatable"))
        for node in nodes
        if _usable(node)
    }
    for pod in pods:
        node_name = pod.get("spec", {}).get("nodeName")
        if node_name not in room or pod.get("status", {}).get("phase") in FINISHED_PHASES:
            continue
        if pod["metadata"].get("namespace") == replaced_namespace:
            continue  # a redeploy replaces these pods; their room becomes ours
        room[node_name] = room[node_name] - pod_size(pod["spec"])
    rooms = [Amount(max(a.cpu_m, 0), max(a.memory_mi, 0)) for a in room.values()]
    unplaceable = next(
        (pod for pod in environment if not any(pod[1].fits_in(r) for r in rooms)), None
    )
    most = Amount(
        max((r.cpu_m for r in rooms), default=0), max((r.memory_mi for r in rooms), default=0)
    )
    needed = sum((request for _, request in environment), ZERO)
    return CapacityReport(needed, sum(rooms, ZERO), len(rooms), unplaceable, most)
