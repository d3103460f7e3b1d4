"""Production's Temporal in postgres mode: temporalio/server on its own database, an
admin-tools Job that sets up or updates the schema first, one that registers the app's
namespace once the server answers, and temporal-ui.
"""

from __future__ import annotations

import yaml

from app.temporal_address import in_cluster_address
from envctl.manifests.base import (
    SKIP_DIGEST,
    Manifest,
    checkov_skips,
    container,
    empty_dir,
    env_field,
    env_secret_key,
    env_value,
    go_memory_limit,
    metadata,
    mount,
    pod_template,
)
from envctl.manifests.kinds import APPLY_PHASE_ANNOTATION, BEFORE_WORKLOADS
from envctl.manifests.objects import ROLLING_UPDATE, deployment, service_account
from envctl.manifests.secrets import (
    TEMPORAL_DB_PASSWORD_KEY,
    TEMPORAL_DB_SECRET,
    reload_annotations,
)
from envctl.manifests.temporal_service import server_container, server_service
from envctl.manifests.temporal_ui import ui_container, ui_objects
from envctl.model.environment import Component, Environment

SCHEMA_DIR = "/etc/temporal/schema/postgresql/v12"
SKIP_PASSWORD_ENV = (
    "CKV_K8S_35",
    "temporalio images read the database password only from the environment (one key, temporal-db)",
)
SKIP_UI_SECRET_ENV = (
    "CKV_K8S_35",
    "temporalio/ui reads its OIDC client secret only from TEMPORAL_AUTH_CLIENT_SECRET",
)
# Idempotent: setup-schema only creates the version tables when missing; update-schema applies
# the versioned migrations the database lacks. Values come from the environment, not the text.
SCHEMA_SCRIPT = "\n".join(
    [
        "set -eu",
        'temporal-sql-tool --db "$TEMPORAL_DB" setup-schema -v 0.0',
        'temporal-sql-tool --db "$TEMPORAL_DB" update-schema -d "$SCHEMAS/temporal/versioned"',
        'temporal-sql-tool --db "$VISIBILITY_DB" setup-schema -v 0.0',
        'temporal-sql-tool --db "$VISIBILITY_DB" update-schema -d "$SCHEMAS/visibility/versioned"',
    ]
)
# Registers the app's namespace once the server answers (it rolls out after this Job starts);
# an existing namespace is left as it is. Kubernetes retries the pod when it fails.
NAMESPACE_SCRIPT = "\n".join(
    [
        "set -eu",
        "tries=0",
        "until temporal operator cluster health; do",
        '  tries=$((tries + 1)); [ "$tries" -lt 60 ] || exit 1',
        "  sleep 5",
        "done",
        'if temporal operator namespace describe -n "$NAMESPACE" >/dev/null 2>&1; then',
        '  echo "namespace $NAMESPACE exists"',
        "else",
        '  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION"',
        "fi",
    ]
)
NAMESPACE_RETENTION = "720h"  # closed workflows' histories stay readable for 30 days
DYNAMIC_CONFIG = "temporal-dynamic-config"
DYNAMIC_CONFIG_DIR = "/etc/temporal/dynamicconfig"


def _server_database_env(env: Environment) -> list[Manifest]:
    temporal = env.config.production_temporal
    return [
        env_value("DB", "postgres12"),
        env_value("POSTGRES_SEEDS", temporal.postgres_host),
        env_value("DB_PORT", str(temporal.postgres_port)),
        env_value("POSTGRES_USER", temporal.postgres_user),
        env_secret_key("POSTGRES_PWD", TEMPORAL_DB_SECRET, TEMPORAL_DB_PASSWORD_KEY),
        env_value("DBNAME", temporal.database),
        env_value("VISIBILITY_DBNAME", temporal.visibility_database),
        env_value("SQL_TLS_ENABLED", "true" if temporal.postgres_tls else "false"),
        env_value("SQL_HOST_VERIFICATION", "true" if temporal.postgres_tls else "false"),
        env_value("SQL_HOST_NAME", temporal.postgres_host),
    ]


def server_version(env: Environment) -> str:
    return env.config.images.temporal_server.partition("@")[0].rsplit(":", 1)[-1]


def _setup_job(
    env: Environment, purpose: str, script: str, settings: list[Manifest], skips: dict[str, str]
) -> Manifest:
    """A short admin-tools Job of the pinned version (Job templates are immutable)."""
    name = f"temporal-{purpose}-{server_version(env).replace('.', '-')}"
    tool = container(
        purpose,
        env.config.images.temporal_admin_tools,
        size=env.config.resources.production.temporal_schema,
        command=["sh", "-c", script],
        env=settings,
        mounts=[mount("schema-tmp", "/tmp")],  # noqa: S108
    )
    template = pod_template(
        env,
        Component.TEMPORAL_SCHEMA,
        service_account=Component.TEMPORAL_SCHEMA.value,
        containers=[tool],
        volumes=[empty_dir("schema-tmp")],
        restart_policy="Never",
    )
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(env, name, component=Component.TEMPORAL_SCHEMA, annotations=skips),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 900,
            "ttlSecondsAfterFinished": 7 * 24 * 3600,
            "template": template,
        },
    }


def schema_job(env: Environment) -> Manifest:
    """admin-tools Job that creates or updates both schemas before the server rolls."""
    temporal = env.config.production_temporal
    settings = [
        env_value("SQL_PLUGIN", "postgres12"),
        env_value("SQL_HOST", temporal.postgres_host),
        env_value("SQL_PORT", str(temporal.postgres_port)),
        env_value("SQL_USER", temporal.postgres_user),
        env_secret_key("SQL_PASSWORD", TEMPORAL_DB_SECRET, TEMPORAL_DB_PASSWORD_KEY),
        env_value("SQL_TLS", "true" if temporal.postgres_tls else "false"),
        env_value("TEMPORAL_DB", temporal.database),
        env_value("VISIBILITY_DB", temporal.visibility_database),
        env_value("SCHEMAS", SCHEMA_DIR),
    ]
    skips = {
        APPLY_PHASE_ANNOTATION: BEFORE_WORKLOADS,
        **checkov_skips(SKIP_DIGEST, SKIP_PASSWORD_ENV),
    }
    return _setup_job(env, "schema", SCHEMA_SCRIPT, settings, skips)


def namespace_job(env: Environment) -> Manifest:
    """admin-tools Job that registers the app's Temporal namespace on the new server."""
    settings = [
        env_value("TEMPORAL_ADDRESS", in_cluster_address(env.namespace)),
        env_value("NAMESPACE", env.config.production_temporal.namespace),
        env_value("RETENTION", NAMESPACE_RETENTION),
        env_value("HOME", "/tmp"),  # noqa: S108  (the CLI looks for its config file under $HOME)
    ]
    return _setup_job(env, "namespace", NAMESPACE_SCRIPT, settings, checkov_skips(SKIP_DIGEST))


def dynamic_config(env: Environment) -> Manifest:
    # Temporal's PostgreSQL visibility columns hold at most 255 characters per ID.
    settings = {"limit.maxIDLength": [{"value": 255, "constraints": {}}]}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(env, DYNAMIC_CONFIG, component=Component.TEMPORAL_SERVER),
        "data": {"dynamic.yaml": yaml.safe_dump(settings, sort_keys=True)},
    }


def production_server_objects(env: Environment) -> list[Manifest]:
    size = env.config.resources.production.temporal_server
    component = Component.TEMPORAL_SERVER
    server = server_container(
        env.config.images.temporal_server,
        size,
        [
            *_server_database_env(env),
            env_value("NUM_HISTORY_SHARDS", str(env.config.production_temporal.history_shards)),
            env_value("BIND_ON_IP", "0.0.0.0"),  # noqa: S104
            env_field("TEMPORAL_BROADCAST_ADDRESS", "status.podIP"),
            env_value("DYNAMIC_CONFIG_FILE_PATH", f"{DYNAMIC_CONFIG_DIR}/dynamic.yaml"),
            env_value("GOMEMLIMIT", go_memory_limit(size)),
        ],
        [mount("server-tmp", "/tmp"), mount("dynamic-config", DYNAMIC_CONFIG_DIR)],  # noqa: S108
        startup=(5, 60),
    )
    template = pod_template(
        env,
        component,
        service_account=component.value,
        containers=[server],
        volumes=[
            empty_dir("server-tmp"),
            {"name": "dynamic-config", "configMap": {"name": DYNAMIC_CONFIG}},
        ],
    )
    return [
        service_account(env, component.value, component),
        service_account(env, Component.TEMPORAL_SCHEMA.value, Component.TEMPORAL_SCHEMA),
        dynamic_config(env),
        schema_job(env),
        namespace_job(env),
        deployment(
            env,
            component.value,
            component,
            template,
            replicas=env.config.production_temporal.replicas,
            strategy=ROLLING_UPDATE,
            # the operator restarts it when TEMPORAL_DB_PASSWORD changes in Doppler
            annotations={
                **reload_annotations(env),
                **checkov_skips(SKIP_DIGEST, SKIP_PASSWORD_ENV),
            },
        ),
        server_service(env, component),
    ]


def production_ui_objects(env: Environment) -> list[Manifest]:
    component = Component.TEMPORAL_UI
    ui = ui_container(
        env, env.config.resources.production.temporal_ui, in_cluster_address(env.namespace)
    )
    template = pod_template(
        env,
        component,
        service_account=component.value,
        containers=[ui],
        volumes=[empty_dir("ui-tmp")],
    )
    return [
        service_account(env, component.value, component),
        deployment(
            env,
            component.value,
            component,
            template,
            replicas=1,
            strategy=ROLLING_UPDATE,
            # its OIDC client secret comes from a DopplerSecret: restart when it changes
            annotations={
                **(reload_annotations(env) if env.settings.temporal_ui_oidc else {}),
                **checkov_skips(
                    SKIP_DIGEST, *([SKIP_UI_SECRET_ENV] if env.settings.temporal_ui_oidc else [])
                ),
            },
        ),
        *ui_objects(env, component),
    ]
