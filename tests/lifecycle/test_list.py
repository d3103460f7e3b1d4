"""`envctl list`: one row per envctl namespace, from its labels, annotations and Deployments."""

from __future__ import annotations

from devstack.deploy_inputs import IMAGE
from devstack.waiting import wait_until
from tests.lifecycle.conftest import Lifecycle


def test_list_shows_kind_pr_age_image_readiness_and_urls(lifecycle: Lifecycle) -> None:
    assert (
        lifecycle.run("deploy", "preview", "--pr", "80", "--image", IMAGE, "--skip-smoke")[0] == 0
    )
    assert lifecycle.run("deploy", "permanent-preview", "--image", IMAGE, "--skip-smoke")[0] == 0
    cluster = lifecycle.cluster
    # The permanent preview's web pod is lost and its replacement cannot be scheduled.
    for node in cluster.names("Node"):
        cluster.run("cordon", node)
    cluster.run(
        "delete", "pods", "-n", "preview", "-l", "app.kubernetes.io/name=web", "--wait=true"
    )
    wait_until(
        lambda: (
            not (cluster.get("Deployment", "web", "preview") or {})
            .get("status", {})
            .get("readyReplicas")
        ),
        60,
        "the permanent preview's web Deployment to report no ready replica",
    )
    cluster.add({"kind": "Namespace", "metadata": {"name": "someone-else"}})

    code, out, err = lifecycle.run("list")

    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == [
        "NAMESPACE",
        "KIND",
        "PR",
        "AGE",
        "DEPLOYED",
        "IMAGE",
        "READY",
        "APP",
        "TEMPORAL",
        "UI",
    ]
    assert [row.split()[:3] for row in rows] == [
        ["pr-80", "preview", "80"],
        ["preview", "permanent-preview", "-"],
    ]
    assert rows[0].split()[5:] == [
        IMAGE,
        "2/2",
        "ready",
        "https://pr-80.preview.preview-stack.example.com",
        "https://pr-80-temporal.preview.preview-stack.example.com",
    ]
    assert rows[1].split()[6:8] == ["1/2", "ready"]
