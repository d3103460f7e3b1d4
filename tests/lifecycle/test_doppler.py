"""Doppler mode on the real API server: the DopplerSecret CRD validates what envctl renders, and
deploy waits, saying so, for the Secret the operator writes; without the operator it stops."""

from __future__ import annotations

import pytest

from devstack.deploy_inputs import IMAGE
from tests.lifecycle.conftest import Lifecycle


def deploy_args(pr: int, *extra: str) -> list[str]:
    return ["deploy", "preview", "--pr", str(pr), "--image", IMAGE, "--skip-smoke", *extra]


@pytest.mark.without_doppler_operator
def test_without_the_operator_deploy_says_what_it_waits_for_and_stops(
    lifecycle: Lifecycle,
) -> None:
    code, out, err = lifecycle.run(*deploy_args(110, "--timeout", "15s"))
    assert code == 1
    assert (
        "apply: waiting for the Doppler operator to write Secret app-secrets "
        "(DopplerSecret app-secrets)" in out
    )
    assert (
        "the Doppler operator has not written Secret app-secrets (DopplerSecret app-secrets)" in err
    )
    assert "Is the operator installed and running?" in err
    # The DopplerSecret was admitted (the CRD validated it); no workload was applied before it.
    doppler = lifecycle.cluster.get("DopplerSecret", "app-secrets", "pr-110")
    assert doppler is not None and doppler["spec"]["managedSecret"]["name"] == "app-secrets"
    assert lifecycle.cluster.objects("Deployment", "pr-110") == []


def test_with_the_operator_the_secret_arrives_and_the_rollout_follows(lifecycle: Lifecycle) -> None:
    code, out, err = lifecycle.run(*deploy_args(111))
    assert code == 0, err
    assert "waiting for the Doppler operator to write Secret app-secrets" in out
    written = lifecycle.cluster.json(
        "get", "secret", "app-secrets", "-n", "pr-111", "--show-managed-fields"
    )
    assert "envctl" not in [m["manager"] for m in written["metadata"]["managedFields"]]
    web = lifecycle.cluster.get("Deployment", "web", "pr-111")
    assert web is not None and web["status"]["readyReplicas"] == 1


def test_the_api_server_validates_dopplersecrets_against_the_crd(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.namespace("doppler-check")
    bad = {
        "apiVersion": "secrets.doppler.com/v1alpha1",
        "kind": "DopplerSecret",
        "metadata": {"name": "bad", "namespace": "doppler-check"},
        "spec": {
            "tokenSecret": {"name": "t"},
            "managedSecret": {"name": "m", "type": "Opaque"},
            "resyncSeconds": "often",
            "format": "toml",
        },
    }
    refused = lifecycle.cluster.create(bad, check=False)
    assert refused.returncode != 0
    assert "spec.resyncSeconds" in refused.stderr and "spec.format" in refused.stderr
    del bad["spec"]["managedSecret"]
    bad["spec"].pop("resyncSeconds"), bad["spec"].pop("format")
    refused = lifecycle.cluster.create(bad, check=False)
    assert "spec.managedSecret: Required value" in refused.stderr
