"""A preview's Temporal: one pod with exactly three containers, python-worker,
temporal-server (the app image's `temporal server start-dev`, SQLite on a claim that outlives
the pod) and temporal-ui, talking over localhost.
"""

from __future__ import annotations

from app.temporal_address import TEMPORAL_FRONTEND_PORT
from envctl.manifests.app import app_volumes
from envctl.manifests.base import (
    Manifest,
    empty_dir,
    env_value,
    go_memory_limit,
    metadata,
    mount,
    pod_template,
)
from envctl.manifests.objects import deployment, service_account
from envctl.manifests.secrets import app_deployment_annotations
from envctl.manifests.temporal_service import server_container, server_service
from envctl.manifests.temporal_ui import ui_container, ui_objects
from envctl.manifests.worker import WORKER_GRACE_SECONDS, worker_container
from envctl.model.environment import Component, Environment

DEV_SERVER_DATA = "/var/lib/temporal"
DATA_CLAIM = "temporal-data"
DEV_SERVER_COMMAND = [
    "temporal", "server", "start-dev",
    "--ip", "0.0.0.0",  # noqa: S104  (reached through its ClusterIP Service; NetworkPolicy guards it)
    "--port", str(TEMPORAL_FRONTEND_PORT),
    "--http-port", "7243",
    "--metrics-port", "7235",
    "--headless",
    "--db-filename", f"{DEV_SERVER_DATA}/temporal.db",
]  # fmt: skip


def dev_server_container(env: Environment) -> Manifest:
    size = env.config.resources.preview.temporal_dev_server
    return server_container(
        env.image,
        size,
        [env_value("GOMEMLIMIT", go_memory_limit(size)), env_value("HOME", "/tmp")],  # noqa: S108
        [mount(DATA_CLAIM, DEV_SERVER_DATA), mount("server-tmp", "/tmp")],  # noqa: S108
        startup=(2, 30),
        command=DEV_SERVER_COMMAND,
    )


def data_claim(env: Environment) -> Manifest:
    """The dev server's state: it outlives every pod, and goes with the namespace."""
    storage = env.config.preview_temporal
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(env, DATA_CLAIM, component=Component.TEMPORAL_POD),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage.storage_class,
            "resources": {"requests": {"storage": f"{storage.storage_mi}Mi"}},
        },
    }


def preview_temporal_objects(env: Environment) -> list[Manifest]:
    """The Temporal pod of a preview: worker, dev server and UI, talking over localhost."""
    sizes = env.config.resources.preview
    pod = Component.TEMPORAL_POD
    template = pod_template(
        env,
        pod,
        service_account=pod.value,
        containers=[
            worker_container(env, sizes.worker, pod, volume_prefix="worker-"),
            dev_server_container(env),
            ui_container(env, sizes.temporal_ui, f"127.0.0.1:{TEMPORAL_FRONTEND_PORT}"),
        ],
        volumes=[
            *app_volumes("worker-"),
            {"name": DATA_CLAIM, "persistentVolumeClaim": {"claimName": DATA_CLAIM}},
            empty_dir("server-tmp"),
            empty_dir("ui-tmp"),
        ],
        grace_seconds=WORKER_GRACE_SECONDS,
    )
    return [
        service_account(env, pod.value, pod),
        data_claim(env),
        # Recreate: one dev server, one ReadWriteOnce claim; the old pod lets go before the new
        # one starts on the same SQLite file.
        deployment(
            env,
            pod.value,
            pod,
            template,
            replicas=1,
            strategy={"type": "Recreate"},
            annotations=app_deployment_annotations(env),
        ),
        server_service(env, pod),
        *ui_objects(env, pod),
    ]
