"""`envctl deploy` against the real API server and the real shared PostgreSQL: the calls and
their order, secrets on stdin only, prune, rotation, and every way it stops early."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devstack.deploy_inputs import COMMIT, DOPPLER_TOKEN, IMAGE, NEXT_IMAGE
from devstack.kubectl_faults import Call
from devstack.waiting import wait_until
from envctl.cluster.kubectl import Kubectl
from envctl.cluster.progress import PlainProgress
from envctl.commands.deploy import DeployOptions, deploy
from envctl.commands.preflight import deployed_at
from envctl.commands.smoke import SmokeFailed, SmokeResult
from envctl.commands.tools import CommandFailed, Tools
from envctl.manifests.worker import build_name
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment
from tests.lifecycle.conftest import PRODUCTION_DEPLOY, Lifecycle


def deploy_args(pr: int, *extra: str, image: str = IMAGE) -> list[str]:
    return ["deploy", "preview", "--pr", str(pr), "--image", image, "--skip-smoke", *extra]


def applies(calls: list[Call]) -> list[list[str]]:
    return [call.objects for call in calls if call.argv[0] == "apply"]


def verbs(calls: list[Call]) -> list[str]:
    return [" ".join(call.argv[:2]) for call in calls]


def database_password(lifecycle: Lifecycle, namespace: str) -> str:
    secret = lifecycle.cluster.get("Secret", "app-database", namespace)
    assert secret is not None
    url = base64.b64decode(secret["data"]["DATABASE_URL"]).decode()
    return url.split(":")[2].split("@")[0]


def test_the_namespace_goes_first_then_what_workloads_need_then_the_workloads(
    lifecycle: Lifecycle,
) -> None:
    code, _, err = lifecycle.run(*deploy_args(31))
    assert code == 0, err
    calls = lifecycle.cluster.calls()
    namespace, early, workloads = applies(calls)
    assert namespace == ["Namespace/pr-31"]
    assert early[:3] == [
        "ResourceQuota/environment",
        "LimitRange/container-defaults",
        "ServiceAccount/temporal",
    ]
    assert {"Secret/app-database", "Secret/doppler-token", "DopplerSecret/app-secrets"} <= set(
        early
    )
    assert not [name for name in early if name.startswith(("Deployment/", "Ingress/", "Service/"))]
    assert workloads[:2] == ["Deployment/temporal", "Deployment/web"]
    assert workloads[-2:] == ["Ingress/temporal-ui", "Ingress/web"]
    # Nothing is applied before the pre-flight checks; rollouts are watched after the apply.
    order = verbs(calls)
    first_apply = order.index("apply --server-side")
    assert {"auth can-i", "get namespaces", "get nodes", "get pods"} <= set(order[:first_apply])
    assert order[-2:] == ["rollout status", "rollout status"]
    assert all("--field-manager=envctl" in c.argv for c in calls if c.argv[0] == "apply")


def test_migrations_run_before_new_web_pods_take_traffic(lifecycle: Lifecycle) -> None:
    code, _, err = lifecycle.run(*deploy_args(32))
    assert code == 0, err
    web = lifecycle.cluster.get("Deployment", "web", "pr-32")
    assert web is not None
    pod = web["spec"]["template"]["spec"]
    # The init container must exit 0 before the web container (and its readiness) starts,
    # and the old pod keeps serving until a new one is ready.
    assert [c["name"] for c in pod["initContainers"]] == ["migrate"]
    assert pod["initContainers"][0]["command"] == ["python", "-m", "app.migrate"]
    assert pod["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/api/ready"
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_production_waits_for_the_schema_job_before_the_workloads(lifecycle: Lifecycle) -> None:
    code, out, err = lifecycle.run(*PRODUCTION_DEPLOY, ENVCTL_DATABASE_ADMIN_URL="")
    assert code == 0, err
    calls = lifecycle.cluster.calls()
    order = verbs(calls)
    wait = order.index("wait --for=condition=complete")
    assert calls[wait].argv[2] == "jobs.batch/temporal-schema-1-31-1"
    applied = applies(calls)
    assert "Job/temporal-schema-1-31-1" in applied[1]
    assert not [n for n in applied[1] if n.startswith("Deployment/")]
    # The Secrets the operator writes (app-secrets, temporal-db) come before the schema Job.
    last_apply = max(i for i, verb in enumerate(order[:wait]) if verb == "apply --server-side")
    assert order[last_apply + 1 : wait] == ["wait --for=create"] * (wait - last_apply - 1)
    assert wait - last_apply - 1 >= 2
    assert order[wait + 1] == "apply --server-side"
    assert "Deployment/temporal-server" in applied[2]
    assert "database" not in out  # production's database is its own, from Doppler
    secret = lifecycle.cluster.get("Secret", "app-database", "production")
    assert secret is not None and "data" not in secret


def test_a_failed_schema_job_stops_before_any_workload(lifecycle: Lifecycle) -> None:
    lifecycle.cluster.fail(
        "wait",
        "--for=condition=complete",
        stderr="error: timed out waiting for the condition on jobs/temporal-schema-1-31-1",
    )
    code, _, err = lifecycle.run("deploy", "production", "--image", IMAGE, "--skip-smoke")
    assert code == 1
    assert "rollout failed: not ready: job/temporal-schema-1-31-1 (error: timed out" in err
    assert len(applies(lifecycle.cluster.calls())) == 2  # namespace, then what precedes workloads


def test_secret_values_travel_only_on_stdin(lifecycle: Lifecycle, tmp_path: Path) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    code, out, err = lifecycle.run(
        *deploy_args(33), GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs)
    )
    assert code == 0, err
    password = database_password(lifecycle, "pr-33")
    calls = lifecycle.cluster.calls()
    for call in calls:
        assert password not in call.text and DOPPLER_TOKEN not in call.text
    assert all(call.stdin for call in calls if call.argv[0] == "apply")
    token = lifecycle.cluster.get("Secret", "doppler-token", "pr-33")
    assert token is not None
    assert base64.b64decode(token["data"]["serviceToken"]).decode() == DOPPLER_TOKEN
    for text in (out, err, summary.read_text(), outputs.read_text()):
        assert password not in text and DOPPLER_TOKEN not in text
    assert "app_url=https://pr-33.preview.preview-stack.example.com\n" in outputs.read_text()
    assert (
        "temporal_ui_url=https://pr-33-temporal.preview.preview-stack.example.com\n"
        in outputs.read_text()
    )
    assert "| app | https://pr-33.preview.preview-stack.example.com |" in summary.read_text()


def _envctl_object(kind: str, name: str, namespace: str, **meta: Any) -> dict[str, Any]:
    labels = {"app.kubernetes.io/managed-by": "envctl", "app.kubernetes.io/instance": namespace}
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": labels, **meta},
        "data": {"note": "made for the prune test"},
    }


def test_prune_deletes_only_what_envctl_applied_and_no_longer_renders(lifecycle: Lifecycle) -> None:
    assert lifecycle.run(*deploy_args(34))[0] == 0
    cluster = lifecycle.cluster
    # Server-side apply records who applied each object: envctl, someone else, and an object
    # envctl applied that a controller owns (as the operator's Secret would be).
    cluster.add(_envctl_object("ConfigMap", "dropped-from-render", "pr-34"), manager="envctl")
    cluster.add(_envctl_object("ConfigMap", "someone-elses", "pr-34"), manager="kubectl-edit")
    doppler = cluster.get("DopplerSecret", "app-secrets", "pr-34")
    assert doppler is not None
    owner = [
        {
            "apiVersion": "secrets.doppler.com/v1alpha1",
            "kind": "DopplerSecret",
            "name": "app-secrets",
            "uid": doppler["metadata"]["uid"],
        }
    ]
    cluster.add(
        _envctl_object("ConfigMap", "owned", "pr-34", ownerReferences=owner), manager="envctl"
    )
    cluster.forget_calls()

    code, out, err = lifecycle.run(*deploy_args(34))

    assert code == 0, err
    assert "0 created, 0 changed, 22 unchanged, 1 pruned" in out
    deletes = [c.argv[:3] for c in cluster.calls() if c.argv[0] == "delete"]
    assert deletes == [["delete", "configmaps", "dropped-from-render"]]
    assert cluster.get("ConfigMap", "dropped-from-render", "pr-34") is None
    assert cluster.get("ConfigMap", "someone-elses", "pr-34") is not None
    assert cluster.get("ConfigMap", "owned", "pr-34") is not None
    assert cluster.get("Secret", "app-secrets", "pr-34") is not None


def test_a_new_image_rolls_the_workloads(lifecycle: Lifecycle) -> None:
    assert lifecycle.run(*deploy_args(35))[0] == 0
    code, out, err = lifecycle.run(*deploy_args(35, image=NEXT_IMAGE))
    assert code == 0, err
    assert "0 created, 3 changed, 19 unchanged, 0 pruned" in out  # Namespace and 2 Deployments
    assert "database app_pr_35: unchanged" in out


def test_deployed_at_is_kept_for_the_same_image_and_renewed_for_a_new_one() -> None:
    env = build_environment(EnvironmentKind.PREVIEW, 36, load_config(), image=IMAGE)
    live = {
        "metadata": {
            "labels": {"envctl/deployed-at": "20250101T080000Z"},
            "annotations": {"envctl/image": IMAGE},
        }
    }
    now = datetime(2025, 1, 3, 12, 0, 30, 123, tzinfo=UTC)
    assert deployed_at(env, live, now) == datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    live["metadata"]["annotations"]["envctl/image"] = NEXT_IMAGE
    assert deployed_at(env, live, now) == now.replace(microsecond=0)
    assert deployed_at(env, None, now) == now.replace(microsecond=0)


def test_rotating_the_password_restarts_the_pods_that_read_it(lifecycle: Lifecycle) -> None:
    assert lifecycle.run(*deploy_args(37))[0] == 0
    before = database_password(lifecycle, "pr-37")
    code, out, err = lifecycle.run(*deploy_args(37, "--rotate-db-password"))
    assert code == 0, err
    assert "password rotated" in out
    # The Secret, and the two Deployments whose pod template carries the URL's checksum.
    assert "0 created, 3 changed, 19 unchanged, 0 pruned" in out
    assert database_password(lifecycle, "pr-37") != before


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


# --- the smoke test's place in deploy, with a recorded stand-in for the smoke runner --------


class RecordedSmoke:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def __call__(self, app_url: str, temporal_ui_url: str | None, **kwargs: Any) -> SmokeResult:
        self.calls.append({"app_url": app_url, "temporal_ui_url": temporal_ui_url, **kwargs})
        if self.fail:
            raise SmokeFailed("echo job: no success before the deadline; last: job j1 is queued")
        return SmokeResult()


class RecordedRollout:
    """Stands in for the Temporal half of the worker rollout (proved on a real dev server in
    tests/app/test_worker_versioning.py); records when and for which build it was called."""

    def __init__(self, lines: list[str], fail: bool = False) -> None:
        self.builds: list[str] = []
        self.lines = lines
        self.fail = fail

    def __call__(self, env: Any, tools: Tools, within: float) -> str:
        self.builds.append(env.image_tag)
        self.lines.append("worker rollout")
        if self.fail:
            raise CommandFailed("worker versions: no worker of python-worker.x polled in 600s")
        return f"python-worker.{env.image_tag} current"


def _tools(
    lifecycle: Lifecycle,
    smoke: RecordedSmoke,
    lines: list[str],
    rollout: RecordedRollout | None = None,
) -> Tools:
    import io

    return Tools(
        kubectl=Kubectl(lifecycle.cluster.environ()["KUBECTL"]),
        environ={**lifecycle.environ},
        echo=lines.append,
        progress=lambda: PlainProgress(io.StringIO()),
        smoke=smoke,
        worker_rollout=rollout if rollout is not None else RecordedRollout(lines),
    )


def _env(lifecycle: Lifecycle, kind: EnvironmentKind, pr: int | None) -> Any:
    return build_environment(kind, pr, load_config(lifecycle.config), image=IMAGE)


def test_deploy_smoke_tests_the_public_urls_after_the_rollout(
    lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lifecycle.cluster.environ().items():
        monkeypatch.setenv(name, value)
    smoke, lines = RecordedSmoke(), []
    deploy(
        _env(lifecycle, EnvironmentKind.PREVIEW, 49),
        DeployOptions(commit=COMMIT),
        _tools(lifecycle, smoke, lines),
    )
    [call] = smoke.calls
    assert call["app_url"] == "https://pr-49.preview.preview-stack.example.com"
    assert call["temporal_ui_url"] == "https://pr-49-temporal.preview.preview-stack.example.com"
    assert call["expect_commit"] == "3f2a9c1" and call["run_job"] is True
    assert 0 < call["timeout_seconds"] <= 600
    assert verbs(lifecycle.cluster.calls())[-1] == "rollout status"  # the smoke test came after


def test_production_smoke_test_skips_the_echo_job(
    lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lifecycle.cluster.environ().items():
        monkeypatch.setenv(name, value)
    smoke, lines = RecordedSmoke(), []
    deploy(
        _env(lifecycle, EnvironmentKind.PRODUCTION, None),
        DeployOptions(),
        _tools(lifecycle, smoke, lines),
    )
    assert smoke.calls[0]["run_job"] is False  # it would leave an account behind


def test_a_failed_smoke_test_fails_the_deploy(
    lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lifecycle.cluster.environ().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(
        CommandFailed, match="smoke test failed: echo job: no success before the deadline"
    ):
        deploy(
            _env(lifecycle, EnvironmentKind.PREVIEW, 50),
            DeployOptions(),
            _tools(lifecycle, RecordedSmoke(fail=True), []),
        )


def test_a_namespace_still_being_deleted_is_waited_for_then_deployed_afresh(
    lifecycle: Lifecycle,
) -> None:
    assert lifecycle.run(*deploy_args(51))[0] == 0
    cluster = lifecycle.cluster

    # A destroy cancelled half-way: a finalizer holds the namespace in Terminating.
    def finalizers(value: str) -> None:
        patch = f'{{"metadata": {{"finalizers": {value}}}}}'
        cluster.run("patch", "namespace", "pr-51", "--type=merge", "-p", patch)

    finalizers('["example.com/hold"]')
    cluster.run("delete", "namespace", "pr-51", "--wait=false")

    def release_when_deploy_waits() -> None:
        wait_until(lambda: "wait --for=delete" in verbs(cluster.calls()), 60, "deploy waits")
        finalizers("null")

    releaser = threading.Thread(target=release_when_deploy_waits)
    releaser.start()
    code, out, err = lifecycle.run(*deploy_args(51))
    releaser.join()
    assert code == 0, err
    assert "namespace pr-51 is being deleted; waiting until it is gone" in out
    assert "22 created, 0 changed, 0 unchanged, 0 pruned" in out
    # The Secret went with the namespace, so the kept database gets a new password.
    assert "database app_pr_51: password rotated" in out


def test_production_makes_the_new_worker_build_current_after_its_rollout(
    lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lifecycle.cluster.environ().items():
        monkeypatch.setenv(name, value)
    lines: list[str] = []
    rollout = RecordedRollout(lines)
    report = deploy(
        _env(lifecycle, EnvironmentKind.PRODUCTION, None),
        DeployOptions(),
        _tools(lifecycle, RecordedSmoke(), lines, rollout),
    )
    assert rollout.builds == ["3f2a9c1"]
    assert ("worker versions", "python-worker.3f2a9c1 current") in report.rows
    assert verbs(lifecycle.cluster.calls())[-1] == "rollout status"  # after the worker rolled out


def test_a_failed_worker_version_switch_fails_the_deploy_before_the_smoke_test(
    lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lifecycle.cluster.environ().items():
        monkeypatch.setenv(name, value)
    smoke, lines = RecordedSmoke(), []
    with pytest.raises(CommandFailed, match="worker versions: no worker of python-worker"):
        deploy(
            _env(lifecycle, EnvironmentKind.PRODUCTION, None),
            DeployOptions(),
            _tools(lifecycle, smoke, lines, RecordedRollout(lines, fail=True)),
        )
    assert smoke.calls == []


def test_previews_switch_no_worker_version(
    lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in lifecycle.cluster.environ().items():
        monkeypatch.setenv(name, value)
    lines: list[str] = []
    rollout = RecordedRollout(lines)
    deploy(
        _env(lifecycle, EnvironmentKind.PREVIEW, 51),
        DeployOptions(),
        _tools(lifecycle, RecordedSmoke(), lines, rollout),
    )
    assert rollout.builds == []


def test_a_new_production_build_keeps_the_old_worker_deployment_for_its_pinned_runs(
    lifecycle: Lifecycle,
) -> None:
    """Apply prunes what is no longer rendered, except older worker builds: the versioned
    rollout retires those once drained."""
    for image in (IMAGE, NEXT_IMAGE):
        code, _, err = lifecycle.run(
            "deploy", "production", "--image", image, "--skip-smoke", "--skip-worker-versions"
        )
        assert code == 0, err
    old, new = build_name(IMAGE.rpartition(":")[2]), build_name(NEXT_IMAGE.rpartition(":")[2])
    assert lifecycle.cluster.get("Deployment", old, "production") is not None
    assert lifecycle.cluster.get("Deployment", new, "production") is not None
    assert lifecycle.cluster.get("HorizontalPodAutoscaler", old, "production") is not None
