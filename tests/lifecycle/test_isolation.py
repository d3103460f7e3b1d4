"""Two previews side by side: no selector of one reaches the other's pods, asked of the server."""

from __future__ import annotations

from typing import Any

from devstack.deploy_inputs import IMAGE
from tests.lifecycle.conftest import Lifecycle


def label_selector(selector: dict[str, Any]) -> str:
    """A LabelSelector as kubectl's `-l` syntax; "" selects everything."""
    terms = [f"{key}={value}" for key, value in sorted(selector.get("matchLabels", {}).items())]
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        if operator == "In":
            terms.append(f"{key} in ({','.join(values)})")
        elif operator == "NotIn":
            terms.append(f"{key} notin ({','.join(values)})")
        elif operator == "Exists":
            terms.append(key)
        else:
            terms.append(f"!{key}")
    return ",".join(terms)


def pods_matching(lifecycle: Lifecycle, selector: str, namespace: str | None) -> set[str]:
    where = ["-n", namespace] if namespace else ["--all-namespaces"]
    listed = lifecycle.cluster.json("get", "pods", *where, "-l", selector)
    return {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in listed["items"]}


def namespaces_matching(lifecycle: Lifecycle, selector: str) -> set[str]:
    listed = lifecycle.cluster.json("get", "namespaces", "-l", selector)
    return {item["metadata"]["name"] for item in listed["items"]}


def peer_pods(lifecycle: Lifecycle, namespace: str, peer: dict[str, Any]) -> set[str]:
    """The pods a NetworkPolicy peer admits, as the server's label index answers."""
    if "ipBlock" in peer:
        return set()
    pod_selector = label_selector(peer.get("podSelector", {}))
    if "namespaceSelector" not in peer:
        return pods_matching(lifecycle, pod_selector, namespace)
    found: set[str] = set()
    for other in namespaces_matching(lifecycle, label_selector(peer["namespaceSelector"])):
        found |= pods_matching(lifecycle, pod_selector, other)
    return found


def reached_pods(lifecycle: Lifecycle, namespace: str) -> dict[str, set[str]]:
    """For every Service and NetworkPolicy of `namespace`: the pods its selectors match."""
    reached: dict[str, set[str]] = {}
    for service in lifecycle.cluster.objects("Service", namespace):
        selector = label_selector({"matchLabels": service["spec"].get("selector", {})})
        # A Service only ever selects in its namespace; asked cluster-wide to prove the labels.
        reached[f"service/{service['metadata']['name']}"] = pods_matching(lifecycle, selector, None)
    for policy in lifecycle.cluster.objects("NetworkPolicy", namespace):
        spec, name = policy["spec"], f"networkpolicy/{policy['metadata']['name']}"
        reached[name] = pods_matching(lifecycle, label_selector(spec["podSelector"]), namespace)
        for rule in spec.get("ingress", []):
            for peer in rule.get("from", []):
                reached[name] |= peer_pods(lifecycle, namespace, peer)
        for rule in spec.get("egress", []):
            for peer in rule.get("to", []):
                reached[name] |= peer_pods(lifecycle, namespace, peer)
    return reached


def test_no_selector_of_one_preview_matches_the_other_previews_pods(lifecycle: Lifecycle) -> None:
    for pr in ("101", "102"):
        code, _, err = lifecycle.run(
            "deploy", "preview", "--pr", pr, "--image", IMAGE, "--skip-smoke"
        )
        assert code == 0, err
    for mine, theirs in (("pr-101", "pr-102"), ("pr-102", "pr-101")):
        reached = reached_pods(lifecycle, mine)
        assert len([name for name in reached if name.startswith("service/")]) == 3
        assert len([name for name in reached if name.startswith("networkpolicy/")]) == 6
        for name, pods in reached.items():
            strays = {pod for pod in pods if pod.startswith(theirs + "/")}
            assert not strays, f"{mine} {name} matches {strays}"
        # The Services do select their own pods: the check above is not vacuous.
        assert reached["service/web"] and all(
            p.startswith(mine + "/") for p in reached["service/web"]
        )
