"""The rendered preview, running under podman, shared by the container tests of one run.

Needs root, podman and the images `make image` builds (and `make ui-image` for temporal-ui).
`make test-containers` and `make test` build them first and set CONTAINERS_REQUIRED=1, so a
missing piece fails there; elsewhere the suite is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from devstack.podman import IMAGE, UI_IMAGE, available, image_exists
from devstack.pods import SLIRP_HOST_LOOPBACK
from devstack.postgres import PostgresServer
from devstack.preview_pods import PreviewPods, of_kind, render_preview
from devstack.smtp_sink import SmtpSink

PR = 4242
RENDERED_APP_IMAGE = "ghcr.io/example/preview-stack:render-only"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CONTAINERS_REQUIRED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def ui_image_ref(objects: list[dict[str, object]]) -> str:
    for deployment in of_kind(objects, "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if container["name"] == "temporal-ui":
                return str(container["image"])
    raise LookupError("no temporal-ui container rendered")


@pytest.fixture(scope="session")
def preview(postgres: PostgresServer | None, smtp_sink: SmtpSink) -> Iterator[PreviewPods]:
    _require(available(), "needs root and podman (make podman)")
    _require(image_exists(IMAGE), f"{IMAGE} is missing: run make image")
    _require(image_exists(UI_IMAGE), f"{UI_IMAGE} is missing: run make ui-image")
    _require(postgres is not None, "needs the run's own PostgreSQL (TEST_DATABASE_URL is set)")
    assert postgres is not None
    objects = render_preview(PR)
    database = postgres.create_database(f"pods_{uuid.uuid4().hex[:8]}")
    # Secret values (substituted): PostgreSQL and the SMTP sink on the host's loopback.
    database_url = database.replace("@127.0.0.1:", f"@{SLIRP_HOST_LOOPBACK}:")
    secrets = {
        "app-database": {"DATABASE_URL": database_url},
        "app-secrets": {"SMTP_HOST": SLIRP_HOST_LOOPBACK, "SMTP_PORT": str(smtp_sink.port)},
    }
    images = {RENDERED_APP_IMAGE: IMAGE, ui_image_ref(objects): UI_IMAGE}
    pods = PreviewPods.prepare(
        objects, run_id=f"cx{uuid.uuid4().hex[:6]}", secrets=secrets, images=images
    )
    try:
        pods.start()
        pods.wait_all_ready()
        yield pods
    finally:
        pods.delete()
        pods.forget_claims()
