"""python-worker: `python temporal_server.py`, the Temporal worker running the app's jobs.

In previews it is one container of the Temporal pod; in production its own Deployment with
an HPA, one per build (`python-worker-<build>`): the Worker Deployment Versioning rollout
(envctl/cluster/worker_versions.py) keeps an old build's pods until its pinned workflows are done.
"""

from __future__ import annotations

import hashlib

from envctl.manifests.app import (
    WORKER_HEALTH_PORT,
    WORKER_METRICS_PORT,
    app_container,
    app_volumes,
)
from envctl.manifests.base import Manifest, http_health_probes, pod_template, port
from envctl.manifests.objects import (
    ROLLING_UPDATE,
    deployment,
    horizontal_autoscaler,
    service_account,
)
from envctl.manifests.secrets import app_deployment_annotations
from envctl.model.config_sizes import ContainerResources
from envctl.model.environment import Component, Environment

WORKER = Component.WORKER.value
BUILD_LABEL = "envctl/worker-build"  # which build a versioned worker object runs
# The worker drains activities for WORKER_SHUTDOWN_GRACE_SECONDS (20 s) after SIGTERM.
WORKER_GRACE_SECONDS = 30


def worker_container(
    env: Environment, size: ContainerResources, pod: Component, volume_prefix: str = ""
) -> Manifest:
    return app_container(
        env,
        WORKER,
        size,
        pod,
        ["python", "temporal_server.py"],
        ports=[port("health", WORKER_HEALTH_PORT), port("metrics", WORKER_METRICS_PORT)],
        probes=http_health_probes("health", "/healthz", "/readyz", startup_failures=45),
        volume_prefix=volume_prefix,
    )


def build_label(build_id: str) -> str:
    """A DNS-safe, stable short form of a build ID (the image's tag)."""
    return hashlib.sha256(build_id.encode()).hexdigest()[:10]


def build_name(build_id: str) -> str:
    """The worker Deployment and HPA of one build."""
    return f"{WORKER}-{build_label(build_id)}"


def _for_build(item: Manifest, build: str) -> Manifest:
    item["metadata"]["labels"][BUILD_LABEL] = build
    if item["kind"] == "Deployment":
        item["spec"]["selector"]["matchLabels"][BUILD_LABEL] = build
        item["spec"]["template"]["metadata"]["labels"][BUILD_LABEL] = build
    return item


def worker_objects(env: Environment) -> list[Manifest]:
    """Production only: previews run the worker inside the Temporal pod."""
    scaling = env.config.production_scaling
    template = pod_template(
        env,
        Component.WORKER,
        service_account=WORKER,
        containers=[
            worker_container(env, env.config.resources.production.worker, Component.WORKER)
        ],
        volumes=app_volumes(),
        grace_seconds=WORKER_GRACE_SECONDS,
    )
    name, build = build_name(env.image_tag), build_label(env.image_tag)
    return [
        service_account(env, WORKER, Component.WORKER),
        _for_build(
            deployment(
                env,
                name,
                Component.WORKER,
                template,
                replicas=None,
                strategy=ROLLING_UPDATE,
                annotations=app_deployment_annotations(env),
            ),
            build,
        ),
        _for_build(
            horizontal_autoscaler(
                env,
                name,
                Component.WORKER,
                scaling.worker_min_replicas,
                scaling.worker_max_replicas,
            ),
            build,
        ),
    ]
