"""Two previews side by side share nothing and cannot select each other's pods.

These are the original project's bugs, as checks: one shared namespace, Services
load-balancing across PRs, NetworkPolicies with fixed names re-pointed at the newest PR.
"""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from envctl.checks.isolation import isolation_problems
from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.model.config import Config, load_config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import environment, find


def preview(pr: int, config: Config) -> list[Manifest]:
    return build_objects(environment(EnvironmentKind.PREVIEW, pr, config))


def test_two_previews_are_isolated(config: Config) -> None:
    first, second = preview(1, config), preview(2, config)
    assert isolation_problems(first, second) == []
    cluster_scoped = [o for o in first + second if "namespace" not in o["metadata"]]
    assert [o["kind"] for o in cluster_scoped] == ["Namespace", "Namespace"]


def test_every_environment_kind_is_isolated_from_a_preview(
    rendered: dict[str, list[Manifest]],
) -> None:
    for variant in ("permanent-preview", "production", "production-external"):
        assert isolation_problems(rendered[variant], rendered["preview"]) == [], variant


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=2, unique=True))
def test_any_two_previews_are_isolated(prs: list[int]) -> None:
    config = load_config()
    assert isolation_problems(preview(prs[0], config), preview(prs[1], config)) == []


def test_a_shared_namespace_is_caught(config: Config) -> None:
    first, second = preview(1, config), copy.deepcopy(preview(2, config))
    for item in second:
        if item["kind"] == "Namespace":
            item["metadata"]["name"] = "pr-1"
        else:
            item["metadata"]["namespace"] = "pr-1"
    problems = isolation_problems(first, second)
    assert "both environments render Deployment pr-1/web" in problems
    assert any(p.startswith("NetworkPolicy/default-deny selects Deployment/web") for p in problems)


def test_a_selector_without_the_instance_label_is_caught(config: Config) -> None:
    first, second = copy.deepcopy(preview(1, config)), preview(2, config)
    service = find(first, "Service", "temporal-server")
    service["spec"]["selector"] = {"app.kubernetes.io/name": "temporal"}
    problems = isolation_problems(first, second)
    assert any(
        "Service/temporal-server: selector" in p and "lacks the instance label" in p
        for p in problems
    )


def test_a_policy_peer_reaching_another_namespace_is_caught(config: Config) -> None:
    first, second = copy.deepcopy(preview(1, config)), preview(2, config)
    policy = find(first, "NetworkPolicy", "temporal-ingress")
    policy["spec"]["ingress"][0]["from"] = [
        {"namespaceSelector": {"matchLabels": {"envctl/env-kind": "preview"}}}
    ]
    problems = isolation_problems(first, second)
    assert any(p.startswith("NetworkPolicy/temporal-ingress peer selects") for p in problems)


def test_a_cluster_scoped_object_other_than_the_namespace_is_caught(config: Config) -> None:
    first = copy.deepcopy(preview(1, config))
    first.append(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "x", "labels": {}},
        }
    )
    problems = isolation_problems(first, preview(2, config))
    assert "ClusterRole/x: cluster-scoped, only Namespaces may be" in problems


def test_a_shared_host_is_caught(config: Config) -> None:
    first, second = copy.deepcopy(preview(1, config)), preview(2, config)
    find(first, "Ingress", "web")["spec"]["rules"][0]["host"] = (
        "pr-2.preview.preview-stack.example.com"
    )
    assert (
        "both environments serve host pr-2.preview.preview-stack.example.com"
        in isolation_problems(first, second)
    )
