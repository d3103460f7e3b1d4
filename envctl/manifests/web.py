"""The WebApp: gunicorn serving Flask + the built React app, migrations first, then traffic.

The migration runs as an init container of the web pod: a new pod cannot become ready, and so
cannot take traffic, before `python -m app.migrate` has succeeded (docs/environments.md).
"""

from __future__ import annotations

from envctl.manifests.app import (
    WEB_PORT,
    WEB_SERVICE,
    WEB_SERVICE_PORT,
    app_container,
    app_volumes,
)
from envctl.manifests.base import Manifest, http_health_probes, metadata, pod_template, port
from envctl.manifests.objects import (
    ROLLING_UPDATE,
    deployment,
    horizontal_autoscaler,
    ingress,
    service,
    service_account,
    service_port,
)
from envctl.manifests.secrets import app_deployment_annotations
from envctl.model.config_auth import ingress_auth_annotations
from envctl.model.environment import Component, Environment, EnvironmentKind


def web_deployment(env: Environment) -> Manifest:
    resources = env.config.resources.production if env.kind is EnvironmentKind.PRODUCTION else None
    web_size = resources.web if resources else env.config.resources.preview.web
    migrate_size = resources.migrate if resources else env.config.resources.preview.migrate
    migrate = app_container(
        env, "migrate", migrate_size, Component.WEB, ["python", "-m", "app.migrate"]
    )
    web = app_container(
        env,
        "web",
        web_size,
        Component.WEB,
        ["gunicorn", "-c", "python:app.gunicorn_conf", "app:create_app()"],
        ports=[port("http", WEB_PORT)],
        probes=http_health_probes("http", "/api/health", "/api/ready", startup_failures=30),
    )
    template = pod_template(
        env,
        Component.WEB,
        service_account=WEB_SERVICE,
        init_containers=[migrate],
        containers=[web],
        volumes=app_volumes(),
    )
    return deployment(
        env,
        WEB_SERVICE,
        Component.WEB,
        template,
        replicas=None if env.kind is EnvironmentKind.PRODUCTION else 1,
        strategy=ROLLING_UPDATE,
        annotations=app_deployment_annotations(env),
    )


def _app_auth(env: Environment) -> dict[str, str]:
    settings = env.settings
    annotations = (
        ingress_auth_annotations(settings.app_ingress_auth) if settings.app_ingress_auth else {}
    )
    if settings.app_basic_auth_secret:
        annotations |= {
            "nginx.ingress.kubernetes.io/auth-type": "basic",
            "nginx.ingress.kubernetes.io/auth-secret": settings.app_basic_auth_secret,
            "nginx.ingress.kubernetes.io/auth-realm": "preview",
        }
    return annotations


def web_objects(env: Environment) -> list[Manifest]:
    objects = [
        service_account(env, WEB_SERVICE, Component.WEB),
        web_deployment(env),
        service(env, WEB_SERVICE, Component.WEB, [service_port("http", WEB_SERVICE_PORT, "http")]),
        ingress(
            env, WEB_SERVICE, Component.WEB, env.app_host, WEB_SERVICE, annotations=_app_auth(env)
        ),
    ]
    if env.kind is EnvironmentKind.PRODUCTION:
        scaling = env.config.production_scaling
        objects += [
            horizontal_autoscaler(
                env,
                WEB_SERVICE,
                Component.WEB,
                scaling.web_min_replicas,
                scaling.web_max_replicas,
            ),
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": metadata(env, WEB_SERVICE, component=Component.WEB),
                "spec": {
                    "minAvailable": 1,
                    "selector": {"matchLabels": env.selector(Component.WEB)},
                },
            },
        ]
    return objects
