"""What the real API server does with a preview: admits every object, runs the pods through the
ReplicaSet controller, Pod Security `restricted`, the quota and the scheduler (kwok makes them
Ready), and rejects what breaks the namespace's rules."""

from __future__ import annotations

import json
from typing import Any

from devstack.deploy_inputs import IMAGE
from envctl.cluster.kubectl import items_of
from tests.lifecycle.conftest import Lifecycle

RENDERED = (
    22  # objects deploy applies for a preview in doppler mode (doppler-token, the state claim)
)


def deploy_args(pr: int, *extra: str, image: str = IMAGE) -> list[str]:
    return ["deploy", "preview", "--pr", str(pr), "--image", image, "--skip-smoke", *extra]


def restricted_container(**overrides: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "c",
        "image": "registry.example/tool:1",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    container.update(overrides)
    return container


def pod(namespace: str, name: str, container: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [container]},
    }


def test_every_object_is_admitted_and_the_controllers_run_ready_pods(lifecycle: Lifecycle) -> None:
    code, out, err = lifecycle.run(*deploy_args(21))
    assert code == 0, err
    cluster = lifecycle.cluster
    applied = [name for call in cluster.calls() if call.argv[0] == "apply" for name in call.objects]
    assert len(applied) == RENDERED
    for kind_name in applied:
        kind, name = kind_name.split("/", 1)
        live = cluster.get(kind, name, "pr-21")
        assert live is not None, f"{kind_name} is not on the server"
        assert live["metadata"]["uid"]
    pods = cluster.objects("Pod", "pr-21")
    assert sorted(p["metadata"]["labels"]["app.kubernetes.io/name"] for p in pods) == [
        "temporal",
        "web",
    ]
    for item in pods:
        [owner] = item["metadata"]["ownerReferences"]
        assert owner["kind"] == "ReplicaSet"  # made by the controller, not by envctl
        assert item["spec"]["nodeName"] in cluster.names("Node")  # bound by the scheduler
        conditions = {c["type"]: c["status"] for c in item["status"]["conditions"]}
        assert conditions["Ready"] == "True"  # made Ready by kwok
        # The LimitRange's defaults and the ServiceAccount admission were applied.
        assert item["spec"]["serviceAccountName"] in ("web", "temporal")
    quota = cluster.get("ResourceQuota", "environment", "pr-21")
    assert quota is not None and quota["status"]["used"]["pods"] == "2"
    assert "deployment/web" in out and "deployment/temporal" in out  # each rollout seen complete


def test_a_privileged_root_pod_is_rejected_by_pod_security(lifecycle: Lifecycle) -> None:
    assert lifecycle.run(*deploy_args(22))[0] == 0
    privileged = restricted_container(
        securityContext={"privileged": True, "runAsUser": 0},
        resources={"requests": {"cpu": "10m", "memory": "16Mi"}},
    )
    rejected = lifecycle.cluster.create(pod("pr-22", "root-shell", privileged), check=False)
    assert rejected.returncode != 0
    assert 'violates PodSecurity "restricted:' in rejected.stderr
    assert "privileged" in rejected.stderr and "runAsNonRoot" in rejected.stderr
    assert lifecycle.cluster.get("Pod", "root-shell", "pr-22") is None


def test_a_pod_over_the_quota_shows_as_failed_create_in_the_explanation(
    lifecycle: Lifecycle,
) -> None:
    assert lifecycle.run(*deploy_args(23))[0] == 0
    # An operator scales temporal to 0 and a compliant pod takes the CPU it had. A rollout that
    # only moves pods always finds room again (the old pods go), so the quota is made to stay full.
    cluster = lifecycle.cluster
    cluster.run("scale", "deployment/temporal", "-n", "pr-23", "--replicas=0")
    cluster.run(
        "wait",
        "--for=delete",
        "pod",
        "-l",
        "app.kubernetes.io/name=temporal",
        "-n",
        "pr-23",
        "--timeout=60s",
    )
    holder = restricted_container(resources={"requests": {"cpu": "150m", "memory": "64Mi"}})
    cluster.create(pod("pr-23", "holder", holder))
    # The same inputs again: deploy scales temporal back to 1, and its pod no longer fits.
    code, _, err = lifecycle.run(*deploy_args(23, "--timeout", "20s"))
    assert code == 1
    assert "rollout failed: not ready: " in err
    assert "FailedCreate" in err and "exceeded quota: environment" in err


def test_the_server_refuses_a_selector_change_that_the_schemas_allow(lifecycle: Lifecycle) -> None:
    assert lifecycle.run(*deploy_args(24))[0] == 0
    web = lifecycle.cluster.get("Deployment", "web", "pr-24")
    assert web is not None
    changed = json.loads(json.dumps(web))
    changed["spec"]["selector"]["matchLabels"]["extra"] = "x"
    changed["spec"]["template"]["metadata"]["labels"]["extra"] = "x"
    for key in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
        changed["metadata"].pop(key, None)
    changed.pop("status", None)
    refused = lifecycle.cluster.run(
        "apply",
        "--server-side",
        "--field-manager=envctl",
        "--force-conflicts",
        "-f",
        "-",
        stdin=json.dumps(changed),
        check=False,
    )
    assert refused.returncode != 0 and "field is immutable" in refused.stderr
    assert items_of(lifecycle.cluster.json("get", "replicasets.apps", "-n", "pr-24"))
