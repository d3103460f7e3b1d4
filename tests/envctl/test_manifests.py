"""What each environment kind deploys, as issue 3 and DESIGN.md sections 2-5 specify."""

from __future__ import annotations

from typing import Any

from envctl.manifests.base import Manifest
from envctl.manifests.namespace import quota_totals
from envctl.manifests.render import build_objects
from envctl.manifests.workloads import mebibytes, millicores
from envctl.model.config import Config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import IMAGE, environment, find, kinds

PREVIEW_BUDGET_CPU_M = 200
PREVIEW_BUDGET_MEMORY_MI = 512


def containers_by_name(deployment: Manifest) -> dict[str, Manifest]:
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}


def env_vars(container: Manifest) -> dict[str, Any]:
    return {var["name"]: var.get("value", var.get("valueFrom")) for var in container.get("env", [])}


def test_preview_namespace_is_labelled_for_lifecycle_and_pod_security(
    rendered: dict[str, list[Manifest]],
) -> None:
    namespace = find(rendered["preview"], "Namespace", "pr-123")
    labels = namespace["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "envctl"
    assert (labels["envctl/env-kind"], labels["envctl/pr"]) == ("preview", "123")
    assert labels["envctl/deployed-at"] == "19700101T000000Z"  # render default; deploy sets it
    for mode in ("enforce", "warn", "audit"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert namespace["metadata"]["annotations"]["envctl/database"] == "app_pr_123"


def test_the_temporal_pod_has_exactly_worker_server_and_ui(
    rendered: dict[str, list[Manifest]],
) -> None:
    for variant in ("preview", "permanent-preview"):
        pod = find(rendered[variant], "Deployment", "temporal")
        containers = containers_by_name(pod)
        assert list(containers) == ["python-worker", "temporal-server", "temporal-ui"]
        assert pod["spec"]["strategy"] == {"type": "Recreate"}
        worker, server, ui = containers.values()
        assert (worker["image"], worker["command"]) == (IMAGE, ["python", "temporal_server.py"])
        assert server["image"] == IMAGE
        assert server["command"][:3] == ["temporal", "server", "start-dev"]
        assert server["command"][server["command"].index("--ip") + 1] == "0.0.0.0"  # noqa: S104
        db_file = server["command"][server["command"].index("--db-filename") + 1]
        assert any(db_file.startswith(m["mountPath"]) for m in server["volumeMounts"])
        assert server["livenessProbe"]["grpc"] == {
            "port": 7233,
            "service": "temporal.api.workflowservice.v1.WorkflowService",
        }
        assert ui["image"].startswith("docker.io/temporalio/ui:")
        assert env_vars(ui)["TEMPORAL_ADDRESS"] == "127.0.0.1:7233"
        assert env_vars(worker)["TEMPORAL_FALLBACK_ADDRESS"] == "127.0.0.1:7233"
        assert "TEMPORAL_SERVER_ADDRESS" not in env_vars(worker)  # would hide the secret's
        assert "envFrom" not in ui and "envFrom" not in server


def test_temporal_server_is_internal_and_the_ui_is_public(
    rendered: dict[str, list[Manifest]],
) -> None:
    for variant in ("preview", "permanent-preview", "production"):
        objects = rendered[variant]
        service = find(objects, "Service", "temporal-server")
        assert service["spec"]["type"] == "ClusterIP"
        assert service["spec"]["ports"] == [
            {"name": "grpc", "port": 7233, "protocol": "TCP", "targetPort": "grpc"}
        ]
        backends = {
            path["backend"]["service"]["name"]
            for o in objects
            if o["kind"] == "Ingress"
            for rule in o["spec"]["rules"]
            for path in rule["http"]["paths"]
        }
        assert backends == {"web", "temporal-ui"}
    ui_ingress = find(rendered["preview"], "Ingress", "temporal-ui")
    assert (
        ui_ingress["spec"]["rules"][0]["host"]
        == "pr-123-temporal.preview.preview-stack.example.com"
    )
    assert ui_ingress["spec"]["ingressClassName"] == "nginx"
    assert ui_ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"


def test_migrations_finish_before_a_web_pod_can_take_traffic(
    rendered: dict[str, list[Manifest]],
) -> None:
    for variant in ("preview", "production"):
        web = find(rendered[variant], "Deployment", "web")
        pod = web["spec"]["template"]["spec"]
        assert [c["name"] for c in pod["initContainers"]] == ["migrate"]
        assert pod["initContainers"][0]["command"] == ["python", "-m", "app.migrate"]
        assert pod["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/api/ready"
        assert pod["containers"][0]["livenessProbe"]["httpGet"]["path"] == "/api/health"
        assert web["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


def test_app_settings_follow_the_runtime_contract(rendered: dict[str, list[Manifest]]) -> None:
    web = containers_by_name(find(rendered["preview"], "Deployment", "web"))["web"]
    settings = env_vars(web)
    assert settings["APP_ENV"] == "preview"
    assert settings["PR_NUMBER"] == "123"
    assert settings["APP_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert settings["PUBLIC_URL"] == "https://pr-123.preview.preview-stack.example.com"
    assert "TEMPORAL_SERVER_ADDRESS" not in settings  # resolved by the shared rule
    assert [s["secretRef"]["name"] for s in web["envFrom"]] == ["app-secrets", "app-database"]
    production = env_vars(
        containers_by_name(find(rendered["production"], "Deployment", "web"))["web"]
    )
    assert production["APP_ENV"] == "production" and "PR_NUMBER" not in production


def worker_name(objects: list[Manifest]) -> str:
    [name] = [
        o["metadata"]["name"]
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"]["name"].startswith("python-worker")
    ]
    return str(name)


def test_production_runs_one_versioned_worker_deployment_per_build(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["production"]
    worker = find(objects, "Deployment", worker_name(objects))
    build = worker["metadata"]["labels"]["envctl/worker-build"]
    assert worker["metadata"]["name"] == f"python-worker-{build}"
    assert worker["spec"]["selector"]["matchLabels"]["envctl/worker-build"] == build
    assert worker["spec"]["template"]["metadata"]["labels"]["envctl/worker-build"] == build
    settings = env_vars(containers_by_name(worker)["python-worker"])
    assert settings["WORKER_DEPLOYMENT_NAME"] == "python-worker"
    assert settings["GIT_COMMIT"]  # the build ID it registers with
    preview = containers_by_name(find(rendered["preview"], "Deployment", "temporal"))
    assert "WORKER_DEPLOYMENT_NAME" not in env_vars(preview["python-worker"])  # one worker


def test_production_scales_web_and_worker_and_protects_web(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["production"]
    for name in ("web", worker_name(objects)):
        hpa = find(objects, "HorizontalPodAutoscaler", name)
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        assert "replicas" not in find(objects, "Deployment", name)["spec"]  # the HPA owns it
    assert find(objects, "PodDisruptionBudget", "web")["spec"]["minAvailable"] == 1
    assert "temporal" not in [o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"]


def test_production_ui_has_write_actions_disabled(rendered: dict[str, list[Manifest]]) -> None:
    ui = containers_by_name(find(rendered["production"], "Deployment", "temporal-ui"))[
        "temporal-ui"
    ]
    assert env_vars(ui)["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"
    assert env_vars(ui)["TEMPORAL_ADDRESS"] == "temporal-server.production.svc.cluster.local:7233"
    preview_ui = containers_by_name(find(rendered["preview"], "Deployment", "temporal"))[
        "temporal-ui"
    ]
    # the committed config gives previews no UI auth, so no writes (test_temporal_ui_auth.py)
    assert env_vars(preview_ui)["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"


def test_production_schema_job_runs_before_the_server(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["production"]
    job = find(objects, "Job", "temporal-schema-1-31-1")
    assert job["metadata"]["annotations"]["envctl/apply-phase"] == "before-workloads"
    tool = job["spec"]["template"]["spec"]["containers"][0]
    assert tool["image"].startswith("docker.io/temporalio/admin-tools:1.31.1")
    script = tool["command"][2]
    assert script.count("setup-schema -v 0.0") == 2 and script.count("update-schema") == 2
    assert env_vars(tool)["SQL_PASSWORD"] == {
        "secretKeyRef": {"name": "temporal-db", "key": "TEMPORAL_DB_PASSWORD"}
    }
    server = find(objects, "Deployment", "temporal-server")
    assert objects.index(job) < objects.index(server)
    assert containers_by_name(server)["temporal-server"]["image"].endswith(":1.31.1")


def test_production_registers_the_configured_namespace_web_and_worker_use(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["production"]
    job = find(objects, "Job", "temporal-namespace-1-31-1")
    assert "envctl/apply-phase" not in job["metadata"].get("annotations", {})  # needs the server
    tool = job["spec"]["template"]["spec"]["containers"][0]
    assert tool["image"] == "docker.io/temporalio/admin-tools:1.31.1"
    assert "temporal operator namespace create" in tool["command"][2]
    settings = env_vars(tool)
    assert settings["TEMPORAL_ADDRESS"] == "temporal-server.production.svc.cluster.local:7233"
    assert settings["NAMESPACE"] == "default"
    assert "envFrom" not in tool  # a third-party image: no app secrets
    for name, deployment_name in (("web", "web"), ("python-worker", worker_name(objects))):
        app = containers_by_name(find(objects, "Deployment", deployment_name))[name]
        assert env_vars(app)["TEMPORAL_NAMESPACE"] == "default"
    ingress = find(objects, "NetworkPolicy", "temporal-server-ingress")["spec"]["ingress"][0]
    assert "temporal-schema" in [
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in ingress["from"]
    ]
    preview_web = containers_by_name(find(rendered["preview"], "Deployment", "web"))["web"]
    assert "TEMPORAL_NAMESPACE" not in env_vars(preview_web)  # the dev server's default


def test_external_temporal_deploys_no_server_and_passes_tls_through(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["production-external"]
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert not {n for n in names if n[1].startswith("temporal")}
    for name, deployment_name in (("web", "web"), ("python-worker", worker_name(objects))):
        container = containers_by_name(find(objects, "Deployment", deployment_name))[name]
        settings = env_vars(container)
        assert settings["TEMPORAL_FALLBACK_ADDRESS"] == "acme.a1b2c.tmprl.cloud:7233"
        assert settings["TEMPORAL_FALLBACK_TLS"] == "true"
        assert "TEMPORAL_SERVER_ADDRESS" not in settings and "TEMPORAL_TLS" not in settings
        assert "TEMPORAL_NAMESPACE" not in settings  # the Doppler config's, never shadowed
        assert "TEMPORAL_API_KEY" not in settings  # a secret: it comes from app-secrets
    egress = find(objects, "NetworkPolicy", "web-egress")["spec"]["egress"]
    assert any(rule["ports"] == [{"port": 7233, "protocol": "TCP"}] for rule in egress)


def test_secrets_come_from_doppler_or_valueless_secrets(
    rendered: dict[str, list[Manifest]],
) -> None:
    doppler = find(rendered["preview"], "DopplerSecret", "app-secrets")
    assert doppler["spec"]["managedSecret"] == {
        "name": "app-secrets",
        "namespace": "pr-123",
        "type": "Opaque",
    }
    assert doppler["spec"]["config"] == "preview"
    assert find(rendered["production"], "DopplerSecret", "temporal-db")["spec"]["secrets"] == [
        "TEMPORAL_DB_PASSWORD"
    ]
    web = find(rendered["preview"], "Deployment", "web")
    assert web["metadata"]["annotations"]["secrets.doppler.com/reload"] == "true"
    for variant in ("preview-plain", "production-plain"):
        objects = rendered[variant]
        assert "DopplerSecret" not in kinds(objects)
        secrets = [o for o in objects if o["kind"] == "Secret"]
        assert {s["metadata"]["name"] for s in secrets} >= {"app-secrets", "app-database"}
        assert all("data" not in s and "stringData" not in s for s in secrets)


def _steady_state_requests(objects: list[Manifest]) -> tuple[int, int]:
    cpu = memory = 0
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        pod_cpu = sum(millicores(c["resources"]["requests"]["cpu"]) for c in pod["containers"])
        pod_memory = sum(mebibytes(c["resources"]["requests"]["memory"]) for c in pod["containers"])
        for init in pod.get("initContainers", []):
            pod_cpu = max(pod_cpu, millicores(init["resources"]["requests"]["cpu"]))
            pod_memory = max(pod_memory, mebibytes(init["resources"]["requests"]["memory"]))
        replicas = deployment["spec"]["replicas"]
        cpu, memory = cpu + replicas * pod_cpu, memory + replicas * pod_memory
    return cpu, memory


def test_a_whole_preview_requests_at_most_half_a_cpu_and_one_gibibyte(
    rendered: dict[str, list[Manifest]],
) -> None:
    for variant in ("preview", "permanent-preview"):
        cpu, memory = _steady_state_requests(rendered[variant])
        assert cpu <= PREVIEW_BUDGET_CPU_M, f"{variant} requests {cpu}m CPU"
        assert memory <= PREVIEW_BUDGET_MEMORY_MI, f"{variant} requests {memory}Mi"


def test_the_quota_fits_every_pod_including_a_rolling_update(
    rendered: dict[str, list[Manifest]],
) -> None:
    for objects in rendered.values():
        hard = find(objects, "ResourceQuota", "environment")["spec"]["hard"]
        steady_cpu, steady_memory = _steady_state_requests(
            [o for o in objects if o["kind"] == "Deployment" and "replicas" in o["spec"]]
        )
        assert millicores(hard["requests.cpu"]) >= steady_cpu
        assert mebibytes(hard["requests.memory"]) >= steady_memory
        assert hard["services.nodeports"] == "0" and hard["services.loadbalancers"] == "0"
    totals = quota_totals(rendered["preview"])
    assert totals["pods"] == 3  # web (+1 during a rollout) and the Temporal pod (Recreate)


def test_preview_quota_is_computed_from_the_configured_sizes(config: Config) -> None:
    sizes = config.resources.preview
    objects = build_objects(environment(EnvironmentKind.PREVIEW, 9, config))
    hard = find(objects, "ResourceQuota", "environment")["spec"]["hard"]
    web_pod = max(sizes.web.memory_request_mi, sizes.migrate.memory_request_mi)
    temporal_pod = (
        sizes.worker.memory_request_mi
        + sizes.temporal_dev_server.memory_request_mi
        + sizes.temporal_ui.memory_request_mi
    )
    assert hard["requests.memory"] == f"{2 * web_pod + temporal_pod}Mi"
