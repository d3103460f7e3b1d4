"""envctl with a CI identity's rights only: the ClusterRole docs/deployment.md documents, bound to
a ServiceAccount, its token in the kubeconfig; then one permission less."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.deploy_inputs import IMAGE
from devstack.kube_cluster import Cluster
from tests.lifecycle.conftest import Lifecycle

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
ACCOUNT, ACCOUNT_NAMESPACE = "envctl-ci", "envctl-ci"


def documented_cluster_role() -> dict[str, Any]:
    """The ClusterRole exactly as docs/deployment.md shows it."""
    text = DOCS.read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "kind: ClusterRole" in b]
    role: dict[str, Any] = yaml.safe_load(block)
    return role


def service_account_kubeconfig(cluster: Cluster, role: dict[str, Any], path: Path) -> Path:
    """Bind `role` to a ServiceAccount and write a kubeconfig that holds only its token."""
    cluster.namespace(ACCOUNT_NAMESPACE)
    cluster.add(
        {"kind": "ServiceAccount", "metadata": {"name": ACCOUNT, "namespace": ACCOUNT_NAMESPACE}}
    )
    cluster.add(role)
    cluster.add(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": role["metadata"]["name"]},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role["metadata"]["name"],
            },
            "subjects": [
                {"kind": "ServiceAccount", "name": ACCOUNT, "namespace": ACCOUNT_NAMESPACE}
            ],
        }
    )
    token = cluster.run("create", "token", ACCOUNT, "-n", ACCOUNT_NAMESPACE).stdout.strip()
    admin = cluster.json("config", "view", "--raw", "--minify")
    [entry] = admin["clusters"]
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [entry],
                "users": [{"name": ACCOUNT, "user": {"token": token}}],
                "contexts": [
                    {"name": "ci", "context": {"cluster": entry["name"], "user": ACCOUNT}}
                ],
                "current-context": "ci",
            }
        )
    )
    return path


def as_account(lifecycle: Lifecycle, kubeconfig: Path, *args: str) -> tuple[int, str, str]:
    return lifecycle.run(*args, KUBECONFIG=str(kubeconfig))


def test_deploy_destroy_gc_and_list_work_with_the_documented_role(
    lifecycle: Lifecycle, tmp_path: Path
) -> None:
    kubeconfig = service_account_kubeconfig(
        lifecycle.cluster, documented_cluster_role(), tmp_path / "ci.kubeconfig"
    )
    whoami = lifecycle.cluster.run("auth", "whoami", "--kubeconfig", str(kubeconfig))
    assert f"system:serviceaccount:{ACCOUNT_NAMESPACE}:{ACCOUNT}" in whoami.stdout
    transcript = []
    for args in (
        ("deploy", "preview", "--pr", "90", "--image", IMAGE, "--skip-smoke"),
        ("list",),
        ("gc", "--ttl", "3d", "--apply"),
        ("destroy", "preview", "--pr", "90"),
    ):
        code, out, err = as_account(lifecycle, kubeconfig, *args)
        transcript.append(f"$ envctl {' '.join(args)}  (as {ACCOUNT})\n{out}{err}")
        assert code == 0, "\n".join(transcript)
    assert "namespace pr-90: deleted" in transcript[-1]
    assert lifecycle.cluster.get("Namespace", "pr-90") is None
    print("\n" + "\n".join(transcript))


@pytest.mark.parametrize(
    ("group", "resource", "verb", "message"),
    [
        ("apps", "deployments", "patch", "may not patch deployments.apps in pr-91"),
        ("", "namespaces", "create", "may not create namespaces"),
    ],
)
def test_a_missing_permission_is_named_in_pre_flight(
    lifecycle: Lifecycle, tmp_path: Path, group: str, resource: str, verb: str, message: str
) -> None:
    role = documented_cluster_role()
    for rule in role["rules"]:
        if group in rule["apiGroups"] and resource in rule["resources"]:
            rule["verbs"] = [v for v in rule["verbs"] if v != verb]
    kubeconfig = service_account_kubeconfig(lifecycle.cluster, role, tmp_path / "ci.kubeconfig")
    code, _out, err = as_account(
        lifecycle, kubeconfig, "deploy", "preview", "--pr", "91", "--image", IMAGE, "--skip-smoke"
    )
    print(f"\n$ envctl deploy preview --pr 91 (as {ACCOUNT}, without {verb} {resource})\n{err}")
    assert code == 1
    assert message in err
    assert lifecycle.cluster.get("Namespace", "pr-91") is None
    assert not lifecycle.role_exists("app_pr_91")
