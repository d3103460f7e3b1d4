"""`envctl deploy` against the real API server: the smoke test's and the worker version
switch's places in deploy, each with a recorded stand-in for what runs outside the cluster
(the smoke runner, the Temporal half of the worker rollout)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from devstack.deploy_inputs import COMMIT, IMAGE, NEXT_IMAGE
from devstack.waiting import wait_until
from envctl.cluster.kubectl import Kubectl
from envctl.cluster.progress import PlainProgress
from envctl.commands.deploy import DeployOptions, deploy
from envctl.commands.smoke import SmokeFailed, SmokeResult
from envctl.commands.tools import CommandFailed, Tools
from envctl.manifests.worker import build_name
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment
from tests.lifecycle.conftest import Lifecycle
from tests.lifecycle.deploy_calls import deploy_args, verbs


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
    smoke, lines = RecordedSmoke(), list[str]()
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
    smoke, lines = RecordedSmoke(), list[str]()
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
    smoke, lines = RecordedSmoke(), list[str]()
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
