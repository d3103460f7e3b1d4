"""The capacity check: quantities as Kubernetes writes them, what the scheduler counts, and
which nodes can take our pods."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from devstack.deploy_inputs import IMAGE
from envctl.checks.capacity import capacity_report, environment_pods
from envctl.manifests.render import build_objects
from envctl.manifests.workloads import Amount, pod_size, quantity
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Decimal("0.25")),
        ("2", Decimal(2)),
        ("1.5Gi", Decimal(1.5 * 2**30)),
        ("128974848", Decimal(128974848)),
        ("1e3", Decimal(1000)),
        ("500M", Decimal(500 * 10**6)),
        ("3920m", Decimal("3.92")),
        ("16384Ki", Decimal(2**24)),
    ],
)
def test_quantities(text: str, value: Decimal) -> None:
    assert quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1Xi", "--1", "1.2.3"])
def test_not_quantities(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        quantity(text)


def test_a_pod_counts_its_containers_or_its_largest_init_container() -> None:
    def c(cpu: str, memory: str) -> dict[str, Any]:
        return {"resources": {"requests": {"cpu": cpu, "memory": memory}}}

    spec = {
        "containers": [c("100m", "100Mi"), c("50m", "50Mi")],
        "initContainers": [c("500m", "10Mi")],
    }
    assert pod_size(spec) == Amount(500, 150)


def test_a_preview_needs_200m_and_512mi() -> None:
    env = build_environment(EnvironmentKind.PREVIEW, 1, load_config(), image=IMAGE)
    pods = environment_pods(build_objects(env))
    assert sorted(name for name, _ in pods) == ["Deployment/temporal", "Deployment/web"]
    assert sum((a for _, a in pods), Amount(0, 0)) == Amount(200, 512)


def node(
    name: str, cpu: str, memory: str, *, taint: str | None = None, ready: bool = True
) -> dict[str, Any]:
    spec = {"taints": [{"key": "k", "effect": taint}]} if taint else {}
    return {
        "metadata": {"name": name},
        "spec": spec,
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def pod(
    namespace: str, node_name: str, cpu: str, memory: str, phase: str = "Running"
) -> dict[str, Any]:
    return {
        "metadata": {"namespace": namespace},
        "spec": {
            "nodeName": node_name,
            "containers": [{"resources": {"requests": {"cpu": cpu, "memory": memory}}}],
        },
        "status": {"phase": phase},
    }


def test_tainted_and_not_ready_nodes_and_finished_pods_do_not_count() -> None:
    nodes = [
        node("a", "2", "4Gi"),
        node("b", "8", "32Gi", taint="NoSchedule"),
        node("c", "8", "32Gi", ready=False),
    ]
    pods = [pod("x", "a", "1", "1Gi"), pod("y", "a", "1", "1Gi", phase="Succeeded")]
    report = capacity_report(
        nodes, pods, [("Deployment/web", Amount(100, 256))], replaced_namespace="pr-1"
    )
    assert report.free == Amount(1000, 3072) and report.fits


def test_room_in_total_is_not_enough_when_no_single_node_can_take_a_pod() -> None:
    nodes = [node("a", "1", "1Gi"), node("b", "1", "1Gi")]
    pods = [pod("x", "a", "800m", "624Mi"), pod("x", "b", "800m", "624Mi")]
    report = capacity_report(
        nodes,
        pods,
        [("Deployment/web", Amount(100, 256)), ("Deployment/temporal", Amount(175, 448))],
        replaced_namespace="pr-1",
    )
    assert report.free == Amount(400, 800) and not report.fits
    assert report.problem() == (
        "no single node has room for a pod of Deployment/temporal (175m CPU / 448Mi memory); "
        "the most free on any node is 200m CPU and 400Mi memory"
    )


def test_no_usable_node_at_all() -> None:
    report = capacity_report(
        [node("a", "4", "8Gi", taint="NoExecute")],
        [],
        [("Deployment/web", Amount(1, 1))],
        replaced_namespace="pr-1",
    )
    assert not report.fits
    assert report.problem() == "no schedulable, Ready node without a NoSchedule/NoExecute taint"
