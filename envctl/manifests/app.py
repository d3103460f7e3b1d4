"""What every container of the app image shares: its settings and its writable directories.

Names and ports come from docs/runtime-contract.md; the image writes only to /tmp and DATA_DIR.
"""

from __future__ import annotations

from app.temporal_address import TEMPORAL_FRONTEND_PORT
from envctl.manifests.base import Manifest, container, empty_dir, env_field, env_value, mount
from envctl.manifests.secrets import APP_SECRET_SOURCES
from envctl.model.config_sizes import ContainerResources
from envctl.model.environment import Component, Environment

WEB_PORT = 8080
WORKER_HEALTH_PORT = 8081
WORKER_METRICS_PORT = 9464
DATA_DIR = "/app/var"
TMP_VOLUME = "app-tmp"
DATA_VOLUME = "app-data"
WEB_SERVICE = "web"
WEB_SERVICE_PORT = 80
FALLBACK_ADDRESS = "TEMPORAL_FALLBACK_ADDRESS"
FALLBACK_TLS = "TEMPORAL_FALLBACK_TLS"


def web_service_url(env: Environment) -> str:
    return f"http://{WEB_SERVICE}.{env.namespace}.svc.cluster.local:{WEB_SERVICE_PORT}"


def app_settings(env: Environment, component: Component) -> list[Manifest]:
    """Non-secret settings; secrets arrive through `envFrom` (see manifests/secrets.py)."""
    settings = [env_value("APP_ENV", env.app_env.value)]
    if env.pr_number is not None:
        settings.append(env_value("PR_NUMBER", str(env.pr_number)))
    settings += [
        env_field("APP_NAMESPACE", "metadata.namespace"),
        env_value("GIT_COMMIT", env.git_commit),
        env_value("PUBLIC_URL", env.app_url),
        env_value("TEMPORAL_UI_URL", env.temporal_ui_url),
        env_value("DATA_DIR", DATA_DIR),
        # The root filesystem is read-only: whatever writes under $HOME lands on the /tmp volume.
        env_value("HOME", "/tmp"),  # noqa: S108
        env_value("DB_POOL_SIZE", str(env.settings.db_pool_size)),
    ]
    if env.settings.database_mode == "pooled":
        settings.append(env_value("DB_TRANSACTION_POOLING", "true"))
    if env.temporal_mode == "postgres":
        # The namespace its Job registers; external mode's comes from the Doppler config.
        settings.append(env_value("TEMPORAL_NAMESPACE", env.config.production_temporal.namespace))
    # Never TEMPORAL_SERVER_ADDRESS itself: an explicit env entry beats the secret's envFrom.
    if env.temporal_mode == "external":
        settings += [
            env_value(FALLBACK_ADDRESS, env.temporal_address.address),
            env_value(FALLBACK_TLS, "true" if env.config.production_temporal.tls else "false"),
        ]
    elif component is Component.TEMPORAL_POD:
        # Its own server, in the same pod: the Service routes here only once every container
        # is ready, and the worker is not before it has connected.
        settings.append(env_value(FALLBACK_ADDRESS, f"127.0.0.1:{TEMPORAL_FRONTEND_PORT}"))
    if component is Component.WEB:
        settings += [
            env_value("WEB_PORT", str(WEB_PORT)),
            env_value("WEB_WORKERS", str(env.settings.web_workers)),
            env_value("WEB_THREADS", str(env.settings.web_threads)),
        ]
    else:
        settings += [
            env_value("WORKER_HEALTH_PORT", str(WORKER_HEALTH_PORT)),
            env_value("WORKER_METRICS_PORT", str(WORKER_METRICS_PORT)),
            env_value("HEALTHCHECK_TARGET_URL", web_service_url(env)),
        ]
    if component is Component.WORKER:
        # Production's worker is versioned, as `<name>.<GIT_COMMIT>`; previews keep one worker.
        settings.append(env_value("WORKER_DEPLOYMENT_NAME", WORKER_DEPLOYMENT_NAME))
    return settings


WORKER_DEPLOYMENT_NAME = "python-worker"  # the Temporal Worker Deployment of production


def app_volumes(prefix: str = "") -> list[Manifest]:
    return [empty_dir(prefix + TMP_VOLUME), empty_dir(prefix + DATA_VOLUME, 256)]


def app_mounts(prefix: str = "") -> list[Manifest]:
    return [mount(prefix + TMP_VOLUME, "/tmp"), mount(prefix + DATA_VOLUME, DATA_DIR)]  # noqa: S108


def app_container(
    env: Environment,
    name: str,
    size: ContainerResources,
    component: Component,
    command: list[str],
    *,
    ports: list[Manifest] | None = None,
    probes: dict[str, Manifest] | None = None,
    volume_prefix: str = "",
) -> Manifest:
    """A container of the app image: its settings, its secrets (envFrom) and its two volumes."""
    return container(
        name,
        env.image,
        size=size,
        command=command,
        env=app_settings(env, component),
        env_from_secrets=APP_SECRET_SOURCES,
        ports=ports,
        probes=probes,
        mounts=app_mounts(volume_prefix),
    )
