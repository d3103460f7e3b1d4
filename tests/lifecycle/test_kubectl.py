"""How envctl reports a kubectl failure: in kubectl's own words, without client-go's logging."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devstack.ports import free_port
from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.port_forward import port_forward


def test_a_failure_shows_kubectls_own_last_words_not_client_go_logging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there: the real kubectl logs retries, then gives up
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    with pytest.raises(KubectlError) as error:
        Kubectl(shutil.which("kubectl")).get("Namespace", "pr-1")
    assert str(error.value).startswith(
        f"kubectl get namespaces pr-1 failed (exit 1): The connection to the server 127.0.0.1:{port}"
        " was refused"
    )
    assert "memcache.go" in error.value.stderr and "memcache.go" not in str(error.value)


def test_a_missing_kubectl_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(KubectlError, match="not found; install kubectl or set KUBECTL"):
        Kubectl(str(tmp_path / "no-such-kubectl")).can_i("get", "pods")


def test_a_missing_kubectl_says_how_to_fix_it_for_a_port_forward_too(tmp_path: Path) -> None:
    kubectl = Kubectl(str(tmp_path / "no-such-kubectl"))
    with (
        pytest.raises(KubectlError, match="not found; install kubectl or set KUBECTL"),
        port_forward(kubectl, "pr-1", "temporal", 7233),
    ):
        pass
