"""Does an environment fit the cluster? Node allocatable minus what scheduled pods request.

The check counts what the scheduler counts: requests (not usage) of every pod bound to a node
that can take our pods (schedulable, Ready, no NoSchedule/NoExecute taint). It runs before
deploy changes anything, so a preview that cannot fit is reported instead of left Pending.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from envctl.manifests.base import Manifest

_QUANTITY = re.compile(r"^([0-9.]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIXES = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}
MI = 2**20
BLOCKING_TAINTS = ("NoSchedule", "NoExecute")
FINISHED_PHASES = ("Succeeded", "Failed")


def quantity(text: str | int | float) -> Decimal:
    """A Kubernetes quantity (`250m`, `2`, `1.5Gi`, `128974848`, `1e3`) as a number."""
    match = _QUANTITY.match(str(text).strip())
    if not match or match.group(2) not in _SUFFIXES:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    try:
        return Decimal(match.group(1)) * _SUFFIXES[match.group(2)]
    except InvalidOperation:
        raise ValueError(f"not a Kubernetes quantity: {text!r}") from None


@dataclass(frozen=True)
class Amount:
    """CPU in millicores and memory in MiB (rounded up)."""

    cpu_m: int
    memory_mi: int

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.cpu_m + other.cpu_m, self.memory_mi + other.memory_mi)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.cpu_m - other.cpu_m, self.memory_mi - other.memory_mi)

    def fits_in(self, room: Amount) -> bool:
        return self.cpu_m <= room.cpu_m and self.memory_mi <= room.memory_mi

    def __str__(self) -> str:
        return f"{self.cpu_m}m CPU / {self.memory_mi}Mi memory"


ZERO = Amount(0, 0)


def _amount(values: dict[str, str] | None) -> Amount:
    values = values or {}
    cpu = quantity(values.get("cpu", "0")) * 1000
    memory = quantity(values.get("memory", "0")) / MI
    return Amount(int(cpu.to_integral_value(rounding="ROUND_CEILING")), int(-(-memory // 1)))


def pod_request(pod_spec: Manifest) -> Amount:
    """What the scheduler reserves for a pod: max(sum of containers, largest init) + overhead."""
    regular = [_amount(c.get("resources", {}).get("requests")) for c in pod_spec["containers"]]
    init = [
        _amount(c.get("resources", {}).get("requests")) for c in pod_spec.get("initContainers", [])
    ]
    total = sum(regular, ZERO)
    cpu = max([total.cpu_m, *(a.cpu_m for a in init)])
    memory = max([total.memory_mi, *(a.memory_mi for a in init)])
    return Amount(cpu, memory) + _amount(pod_spec.get("overhead"))


def _replicas(workload: Manifest, objects: list[Manifest]) -> int:
    if workload["kind"] == "Job":
        return int(workload["spec"].get("parallelism", 1))
    replicas = workload["spec"].get("replicas")
    if replicas is not None:
        return int(replicas)
    name = workload["metadata"]["name"]
    return next(
        int(hpa["spec"]["minReplicas"])
        for hpa in objects
        if hpa["kind"] == "HorizontalPodAutoscaler"
        and hpa["spec"]["scaleTargetRef"]["name"] == name
    )


def environment_pods(objects: list[Manifest]) -> list[tuple[str, Amount]]:
    """Every pod the environment runs at its normal size (HPA minimum), with its request."""
    pods = []
    for workload in objects:
        if workload["kind"] not in ("Deployment", "Job"):
            continue
        request = pod_request(workload["spec"]["template"]["spec"])
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        pods += [(name, request)] * _replicas(workload, objects)
    return pods


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
        node["metadata"]["name"]: _amount(node.get("status", {}).get("allocatable"))
        for node in nodes
        if _usable(node)
    }
    for pod in pods:
        node_name = pod.get("spec", {}).get("nodeName")
        if node_name not in room or pod.get("status", {}).get("phase") in FINISHED_PHASES:
            continue
        if pod["metadata"].get("namespace") == replaced_namespace:
            continue  # a redeploy replaces these pods; their room becomes ours
        room[node_name] = room[node_name] - pod_request(pod["spec"])
    rooms = [Amount(max(a.cpu_m, 0), max(a.memory_mi, 0)) for a in room.values()]
    unplaceable = next(
        (pod for pod in environment if not any(pod[1].fits_in(r) for r in rooms)), None
    )
    most = Amount(
        max((r.cpu_m for r in rooms), default=0), max((r.memory_mi for r in rooms), default=0)
    )
    needed = sum((request for _, request in environment), ZERO)
    return CapacityReport(needed, sum(rooms, ZERO), len(rooms), unplaceable, most)
