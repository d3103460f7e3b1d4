"""The kubectl calls envctl makes: accepted by the real kubectl client, and failures reported
with kubectl's own words."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from envctl.kubectl import Kubectl, KubectlError
from tests.lifecycle.conftest import IMAGE, Lifecycle
from tests.support.ports import free_port

NAMESPACE_LIST = json.dumps(
    {
        "apiVersion": "v1",
        "kind": "List",
        "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "pr-5"}}],
    }
)
PARSE_ERRORS = (
    "unknown flag",
    "unknown command",
    "unknown shorthand",
    "invalid argument",
    "flag needs",
)


def recorded_calls(lifecycle: Lifecycle) -> list[list[str]]:
    """Every call shape of deploy (a failing rollout; a namespace still being deleted),
    production, destroy, gc and list."""
    cluster = lifecycle.cluster
    labels = {"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "pr-5"}
    cluster.pod(
        "pr-5", "web-1", "node-a", "100m", "256Mi", labels=labels, status={"phase": "Pending"}
    )
    cluster.fail("rollout", "status", "deployments.apps/web", stderr="error: timed out\n")
    lifecycle.run("deploy", "preview", "--pr", "5", "--image", IMAGE, "--skip-smoke")
    cluster.heal()
    envctl_labels = {
        "app.kubernetes.io/managed-by": "envctl",
        "app.kubernetes.io/instance": "pr-6",
        "envctl/env-kind": "preview",
    }
    cluster.add(
        {
            "kind": "Namespace",
            "metadata": {"name": "pr-6", "labels": envctl_labels},
            "status": {"phase": "Terminating"},
        }
    )
    lifecycle.run("deploy", "preview", "--pr", "6", "--image", IMAGE, "--skip-smoke")
    lifecycle.run("deploy", "production", "--image", IMAGE, "--skip-smoke")
    lifecycle.run("destroy", "preview", "--pr", "5")
    lifecycle.run("gc")
    lifecycle.run("list")
    shapes: dict[str, list[str]] = {}
    for call in cluster.calls():
        shapes.setdefault(" ".join(call.argv[:2]), call.argv)
    return list(shapes.values())


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="the kubectl client is not installed")
def test_every_call_envctl_makes_is_accepted_by_the_real_kubectl_client(
    lifecycle: Lifecycle, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{free_port()}'}}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
    )
    calls = recorded_calls(lifecycle)
    verbs = {" ".join(argv[:2]) for argv in calls}
    assert {
        "auth can-i",
        "apply --server-side",
        "get namespaces",
        "rollout status",
        "logs web-1",
        "delete namespaces",
        "wait --for=condition=complete",
        "api-resources --api-group=secrets.doppler.com",
    } <= verbs
    for argv in calls:
        # Parsed, then refused only because no server listens: the syntax is kubectl's.
        result = subprocess.run(
            ["kubectl", *argv],
            input=NAMESPACE_LIST,
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "KUBECONFIG": str(kubeconfig),
                "PATH": "/usr/bin:/bin:/usr/local/bin",
                "HOME": str(tmp_path),
            },
        )
        assert not any(error in result.stderr for error in PARSE_ERRORS), (argv, result.stderr)
        assert "refused" in result.stderr, (argv, result.stderr)


def test_a_failure_shows_kubectls_own_last_words_not_client_go_logging(tmp_path: Path) -> None:
    script = tmp_path / "kubectl"
    script.write_text(
        "#!/bin/sh\n"
        'echo \'E1127 10:49:59.3 19057 memcache.go:265] "Unhandled Error" err="couldn\'"\'"\'t get"\' >&2\n'
        "echo 'The connection to the server 10.0.0.1:6443 was refused' >&2\n"
        "exit 1\n"
    )
    script.chmod(0o755)
    with pytest.raises(KubectlError) as error:
        Kubectl(str(script)).get("Namespace", "pr-1")
    assert str(error.value) == (
        "kubectl get namespaces pr-1 failed (exit 1): "
        "The connection to the server 10.0.0.1:6443 was refused"
    )


def test_a_missing_kubectl_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(KubectlError, match="not found; install kubectl or set KUBECTL"):
        Kubectl(str(tmp_path / "no-such-kubectl")).can_i("get", "pods")
