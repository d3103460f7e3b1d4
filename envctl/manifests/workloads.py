"""The workload model: every pod-running object of a render, read once into typed records.

A `Workload` says how many pods it runs normally (HPA minimum: what capacity needs) and at most
at once (HPA maximum plus a rolling update's surge: what the quota and the connection budget
allow), what each of its containers requests and limits, and which Secrets each one reads.
The ResourceQuota, the capacity check, the connection budget and the secret checks all derive
from these records, so a new pod-running kind is counted by all of them or by none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from envctl.manifests.base import Manifest
from envctl.manifests.kinds import Kind, kind, pod_kinds

Bound = Literal["requests", "limits"]

_QUANTITY = re.compile(r"^([0-9.]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]*)$")
_DECIMAL_SUFFIXES = {"": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    **{suffix: Decimal(10**power) for suffix, power in _DECIMAL_SUFFIXES.items()},
    **{suffix + "i": Decimal(2 ** (10 * (index + 1))) for index, suffix in enumerate("KMGTPE")},
}
MI = 2**20


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

    def __mul__(self, count: int) -> Amount:
        return Amount(self.cpu_m * count, self.memory_mi * count)

    def fits_in(self, room: Amount) -> bool:
        return self.cpu_m <= room.cpu_m and self.memory_mi <= room.memory_mi

    def __str__(self) -> str:
        return f"{self.cpu_m}m CPU / {self.memory_mi}Mi memory"


ZERO = Amount(0, 0)


def millicores(text: str | int | float) -> int:
    return int((quantity(text) * 1000).to_integral_value(rounding="ROUND_CEILING"))


def mebibytes(text: str | int | float) -> int:
    return int(-(-(quantity(text) / MI) // 1))


def amount(values: dict[str, str] | None) -> Amount:
    values = values or {}
    return Amount(millicores(values.get("cpu", "0")), mebibytes(values.get("memory", "0")))


@dataclass(frozen=True)
class Container:
    spec: Manifest
    is_init: bool

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    def size(self, bound: Bound) -> Amount:
        return amount(self.spec.get("resources", {}).get(bound))

    @property
    def env_from_secrets(self) -> frozenset[str]:
        """Secrets whose every key becomes an environment variable (`envFrom`)."""
        sources = self.spec.get("envFrom", [])
        return frozenset(s["secretRef"]["name"] for s in sources if "secretRef" in s)

    @property
    def key_secrets(self) -> frozenset[str]:
        """Secrets one key of which becomes one variable (`env[].valueFrom.secretKeyRef`)."""
        refs = (e.get("valueFrom", {}).get("secretKeyRef") for e in self.spec.get("env", []))
        return frozenset(ref["name"] for ref in refs if ref)


def containers_of(pod_spec: Manifest) -> tuple[Container, ...]:
    """Every container of a pod, init containers first."""
    init = [Container(spec, True) for spec in pod_spec.get("initContainers", [])]
    return tuple(init + [Container(spec, False) for spec in pod_spec["containers"]])


def pod_size(pod_spec: Manifest, bound: Bound = "requests") -> Amount:
    """What the scheduler reserves (or the quota charges) for a pod: the larger of the sum of
    its containers and its largest init container, plus the pod's overhead."""
    sizes = containers_of(pod_spec)
    total = sum((c.size(bound) for c in sizes if not c.is_init), ZERO)
    init = [c.size(bound) for c in sizes if c.is_init]
    cpu = max([total.cpu_m, *(a.cpu_m for a in init)])
    memory = max([total.memory_mi, *(a.memory_mi for a in init)])
    return Amount(cpu, memory) + amount(pod_spec.get("overhead"))


@dataclass(frozen=True)
class Workload:
    item: Manifest
    normal_pods: int  # at its normal size (an HPA's minimum)
    max_pods: int  # at most at once: an HPA's maximum, plus the surge of a rolling update
    how: str  # how max_pods comes about, for messages ("2 + 1 surge", "1, Recreate")

    @property
    def kind(self) -> str:
        return str(self.item["kind"])

    @property
    def name(self) -> str:
        return str(self.item["metadata"]["name"])

    @property
    def pod_template(self) -> Manifest:
        return _template(self.item, kind(self.kind))

    @property
    def pod_spec(self) -> Manifest:
        spec: Manifest = self.pod_template["spec"]
        return spec

    @property
    def containers(self) -> tuple[Container, ...]:
        return containers_of(self.pod_spec)

    def pod_size(self, bound: Bound = "requests") -> Amount:
        return pod_size(self.pod_spec, bound)


def _autoscaler(item: Manifest, objects: Iterable[Manifest]) -> Manifest | None:
    return next(
        (
            hpa
            for hpa in objects
            if hpa["kind"] == "HorizontalPodAutoscaler"
            and hpa["spec"]["scaleTargetRef"]["name"] == item["metadata"]["name"]
        ),
        None,
    )


def _template(item: Manifest, of: Kind) -> Manifest:
    found: Manifest = item
    for key in of.pod_template or ():
        found = found[key]
    return found


def _workload(item: Manifest, objects: list[Manifest]) -> Workload:
    of = kind(item["kind"])
    if of.scaling == "parallelism":  # the spec that holds the template says how many at once
        holder = item
        for key in (of.pod_template or ())[:-1]:
            holder = holder[key]
        parallel = int(holder.get("parallelism", 1))
        return Workload(item, parallel, parallel, f"{parallel}, {of.name}")
    spec = item["spec"]
    low = high = spec.get("replicas")
    if low is None:  # an HPA owns the count
        hpa = _autoscaler(item, objects)
        if hpa is None:
            raise ValueError(f"{item['metadata']['name']} has neither replicas nor an HPA")
        low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
    strategy = spec.get("strategy", {})
    surge = int(strategy.get("rollingUpdate", {}).get("maxSurge", 0))
    # A rolling update runs the old pods (maxUnavailable 0) next to the surge pods.
    how = f"{high} + {surge} surge" if surge else f"{high}, {strategy.get('type', 'default')}"
    return Workload(item, int(low), int(high) + surge, how)


def workloads(objects: list[Manifest]) -> Iterator[Workload]:
    """Every object of the render that runs pods, in render order."""
    names = {item.name for item in pod_kinds()}
    for item in objects:
        if item["kind"] in names:
            yield _workload(item, objects)


def pod_specs(objects: list[Manifest]) -> Iterator[tuple[Manifest, Manifest]]:
    """(object, pod spec) of every workload, for checks that walk the raw specs."""
    for workload in workloads(objects):
        yield workload.item, workload.pod_spec


def containers(pod: Manifest) -> Iterator[tuple[Manifest, bool]]:
    """(container, is_init) for every container of a pod."""
    for container in containers_of(pod):
        yield container.spec, container.is_init
