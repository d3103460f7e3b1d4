"""`envctl deploy` against the real API server and the real shared PostgreSQL: the calls and
their order, secrets on stdin only, prune and rotation. How it stops early:
test_deploy_refusals.py; the smoke test and worker versions: test_deploy_smoke.py."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.deploy_inputs import DOPPLER_TOKEN, IMAGE, NEXT_IMAGE
from envctl.commands.preflight import deployed_at
from envctl.model.config import load_config
from envctl.model.environment import EnvironmentKind, build_environment
from tests.lifecycle.conftest import PRODUCTION_DEPLOY, Lifecycle
from tests.lifecycle.deploy_calls import applies, database_password, deploy_args, verbs


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
