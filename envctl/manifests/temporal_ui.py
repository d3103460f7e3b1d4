"""temporal-ui: the official Web UI image on its public host, and who may use it.

Write actions (terminate, reset, signal, ...) are on only where the config asks for them and
the host is behind authentication: the UI's own OIDC login, or ingress external auth
(envctl/model/config_auth.py). Its OIDC client secret is the only secret it reads, one key of its
own Secret, never the app's.
"""

from __future__ import annotations

from envctl.manifests.base import (
    Manifest,
    container,
    env_secret_key,
    env_value,
    http_probe,
    mount,
    port,
)
from envctl.manifests.objects import ingress, service, service_port
from envctl.model.config_auth import ingress_auth_annotations
from envctl.model.config_sizes import ContainerResources
from envctl.model.environment import Component, Environment

UI_PORT = 8080
UI_AUTH_SECRET = "temporal-ui-auth"  # noqa: S105  (a Secret's name)
UI_CLIENT_SECRET_KEY = "TEMPORAL_AUTH_CLIENT_SECRET"  # noqa: S105  (a key's name)
CALLBACK_PATH = "/auth/sso/callback"  # ui-server's route for the OIDC redirect


def ui_write_actions(env: Environment) -> bool:
    settings = env.settings
    return settings.temporal_ui_write_actions and settings.temporal_ui_authenticated


def _oidc_env(env: Environment) -> list[Manifest]:
    oidc = env.settings.temporal_ui_oidc
    if oidc is None:
        return []
    return [
        env_value("TEMPORAL_AUTH_ENABLED", "true"),
        env_value("TEMPORAL_AUTH_TYPE", "oidc"),
        env_value("TEMPORAL_AUTH_PROVIDER_URL", oidc.provider_url),
        env_value("TEMPORAL_AUTH_CLIENT_ID", oidc.client_id),
        env_secret_key(UI_CLIENT_SECRET_KEY, UI_AUTH_SECRET, UI_CLIENT_SECRET_KEY),
        env_value("TEMPORAL_AUTH_CALLBACK_URL", env.temporal_ui_url + CALLBACK_PATH),
        env_value("TEMPORAL_AUTH_SCOPES", ",".join(oidc.scopes)),
    ]


def ui_container(env: Environment, size: ContainerResources, address: str) -> Manifest:
    """The official UI image; it never receives the app's secrets."""
    return container(
        Component.TEMPORAL_UI.value,
        env.config.images.temporal_ui,
        size=size,
        env=[
            env_value("TEMPORAL_ADDRESS", address),
            env_value("TEMPORAL_UI_PORT", str(UI_PORT)),
            env_value("TEMPORAL_CORS_ORIGINS", env.temporal_ui_url),
            env_value(
                "TEMPORAL_DISABLE_WRITE_ACTIONS", "false" if ui_write_actions(env) else "true"
            ),
            *_oidc_env(env),
        ],
        ports=[port("http", UI_PORT)],
        probes={
            "livenessProbe": http_probe("/healthz", "http"),
            "readinessProbe": http_probe("/healthz", "http", period=5),
        },
        mounts=[mount("ui-tmp", "/tmp")],  # noqa: S108
    )


def ui_objects(env: Environment, selected: Component) -> list[Manifest]:
    name = Component.TEMPORAL_UI.value
    auth = env.settings.temporal_ui_ingress_auth
    annotations = ingress_auth_annotations(auth) if auth else {}
    return [
        service(env, name, selected, [service_port("http", 80, "http")]),
        ingress(env, name, selected, env.temporal_ui_host, name, annotations=annotations),
    ]
