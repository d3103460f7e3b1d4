"""`envctl deploy` against the real API server: every way it stops early, and what it says
(an unreachable cluster, missing rights or room, a failing rollout, a namespace it does not
own, missing secrets or settings, bad input)."""

from __future__ import annotations

import pytest

from devstack.deploy_inputs import IMAGE
from tests.lifecycle.conftest import Lifecycle
from tests.lifecycle.deploy_calls import applies, deploy_args, verbs


def test_an_unreachable_cluster_stops_deploy_before_anything_changes(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.fail(
        "auth", stderr="Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout\n"
    )
    code, _out, err = lifecycle.run(*deploy_args(38))
    assert code == 1
    assert err.startswith(
        "envctl deploy: cannot reach the cluster: kubectl auth can-i patch failed (exit 1): "
        "Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout"
    )
    assert verbs(lifecycle.cluster.calls()) == ["auth can-i"]
    assert not lifecycle.role_exists("app_pr_38")


def test_credentials_without_the_right_to_deploy_are_reported(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.fail("auth", stdout="no\n")
    code, _, err = lifecycle.run(*deploy_args(39))
    assert code == 1
    assert (
        "the cluster answered, but these credentials may not patch deployments.apps in pr-39" in err
    )


def test_an_environment_that_does_not_fit_says_how_much_is_missing(lifecycle: Lifecycle) -> None:
    cluster = lifecycle.cluster
    cluster.run("cordon", "kwok-node-b")  # not usable: only kwok-node-a's room counts
    labels = {
        "app.kubernetes.io/managed-by": "envctl",
        "app.kubernetes.io/instance": "pr-40",
        "envctl/env-kind": "preview",
    }
    cluster.namespace("pr-40", **labels)
    cluster.pod("pr-40", "web-old", "100m", "256Mi")  # replaced by this deploy: not counted
    cluster.namespace("other-team")
    cluster.pod("other-team", "db-0", "3900m", "16000Mi")
    code, _out, err = lifecycle.run(*deploy_args(40))
    assert code == 1
    assert err.strip() == (
        "envctl deploy: the environment does not fit the cluster: not enough room: the "
        "environment requests 200m CPU / 512Mi memory, the cluster has 100m CPU / 384Mi memory "
        "free; missing 100m CPU / 128Mi memory"
    )
    assert not applies(cluster.calls())
    assert not lifecycle.role_exists("app_pr_40")


def test_a_failing_rollout_prints_the_servers_pods_and_events(lifecycle: Lifecycle) -> None:
    cluster = lifecycle.cluster
    cluster.fail(
        "rollout",
        "status",
        "deployments.apps/web",
        stderr="error: timed out waiting for the condition\n",
    )

    code, _, err = lifecycle.run(*deploy_args(41))

    assert code == 1
    assert (
        "envctl deploy: rollout failed: not ready: deployment/web (error: timed out waiting for the condition)"
        in err
    )
    # What the server says about it: kwok made the pod Ready, and the controller's own events.
    assert "deployment/web: 0 pod(s) not ready" in err
    assert "ScalingReplicaSet" in err and "deployment/web: Scaled up replica set web-" in err


def test_a_namespace_not_made_by_envctl_is_never_touched(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "pr-42"}})
    code, _, err = lifecycle.run(*deploy_args(42))
    assert code == 1
    assert "namespace pr-42 exists but lacks the label app.kubernetes.io/managed-by=envctl" in err
    assert not applies(lifecycle.cluster.calls())


def test_a_namespace_made_for_another_environment_is_refused(lifecycle: Lifecycle) -> None:
    labels = {
        "app.kubernetes.io/managed-by": "envctl",
        "envctl/env-kind": "permanent-preview",
        "app.kubernetes.io/instance": "pr-43",
    }
    lifecycle.cluster.add({"kind": "Namespace", "metadata": {"name": "pr-43", "labels": labels}})
    code, _, err = lifecycle.run(*deploy_args(43))
    assert code == 1
    assert "labelled envctl/env-kind='permanent-preview', not 'preview'" in err


def test_without_the_doppler_token_deploy_says_which_secret_is_missing(
    lifecycle: Lifecycle,
) -> None:
    code, out, err = lifecycle.run(*deploy_args(44), ENVCTL_DOPPLER_TOKEN="")
    assert (code, out) == (2, "")
    assert err == (
        "envctl: invalid ENVCTL_DOPPLER_TOKEN: expected a Doppler service token for config "
        "'preview' (the DOPPLER_TOKEN_PREVIEW GitHub secret), because secrets_mode is "
        "'doppler', got nothing\n"
    )
    assert lifecycle.cluster.calls() == []


def test_without_the_admin_url_a_preview_deploy_stops(lifecycle: Lifecycle) -> None:
    code, _, err = lifecycle.run(*deploy_args(45), ENVCTL_DATABASE_ADMIN_URL="")
    assert code == 2
    assert err.startswith("envctl: invalid ENVCTL_DATABASE_ADMIN_URL: expected a postgresql://")
    code, _, err = lifecycle.run(
        *deploy_args(45), ENVCTL_DATABASE_ADMIN_URL="mysql://root:hunter2@db/x"
    )
    assert code == 2 and "hunter2" not in err


def test_an_admin_url_outside_the_pods_database_cidr_is_refused(lifecycle: Lifecycle) -> None:
    url = f"postgresql://postgres:pw@10.9.9.9:{lifecycle.postgres.port}/postgres"
    code, _, err = lifecycle.run(*deploy_args(46), ENVCTL_DATABASE_ADMIN_URL=url)
    assert code == 2
    assert "expected a host inside database_cidr 127.0.0.1/32" in err


def test_plain_secrets_mode_needs_no_doppler_token(lifecycle: Lifecycle) -> None:
    code, _, err = lifecycle.run(
        *deploy_args(47, "--secrets-mode", "plain"), ENVCTL_DOPPLER_TOKEN=""
    )
    assert code == 0, err
    assert lifecycle.cluster.get("Secret", "doppler-token", "pr-47") is None
    assert "api-resources" not in verbs(lifecycle.cluster.calls())


def test_a_cluster_without_the_doppler_operator_is_reported(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.fail("api-resources", exit=0, stdout="")
    code, _, err = lifecycle.run(*deploy_args(48))
    assert code == 1
    assert "the Doppler operator is not installed (no secrets.doppler.com API)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["deploy", "preview", "--pr", "1"],
            "envctl: invalid --image: expected the image to deploy",
        ),
        (
            ["deploy", "preview", "--pr", "1", "--image", IMAGE, "--timeout", "soon"],
            "envctl: invalid --timeout: expected a positive duration",
        ),
        (
            ["deploy", "preview", "--pr", "1", "--image", IMAGE, "--commit", "HEAD"],
            "envctl: invalid --commit: expected a git commit SHA",
        ),
        (["deploy", "preview", "--pr", "1", "--image", "app:latest"], "envctl: invalid --image:"),
        (
            ["deploy", "production", "--pr", "1", "--image", IMAGE],
            "envctl: invalid --pr: expected no --pr for ENV 'production'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    lifecycle: Lifecycle, args: list[str], message: str
) -> None:
    code, out, err = lifecycle.run(*args)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1
    assert lifecycle.cluster.calls() == []
