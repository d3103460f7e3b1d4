"""Preview Temporal state lives on a PersistentVolumeClaim, so a redeploy keeps every job."""

from __future__ import annotations

from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects
from envctl.model.config import Config
from envctl.model.environment import EnvironmentKind
from tests.envctl.conftest import config_with, environment, find


def test_the_dev_servers_sqlite_file_is_on_a_claim_with_the_configured_class(
    rendered: dict[str, list[Manifest]], config: Config
) -> None:
    for variant in ("preview", "permanent-preview"):
        objects = rendered[variant]
        pod = find(objects, "Deployment", "temporal")
        assert pod["spec"]["strategy"] == {"type": "Recreate"}  # one pod holds the claim
        volumes = {v["name"]: v for v in pod["spec"]["template"]["spec"]["volumes"]}
        assert volumes["temporal-data"] == {
            "name": "temporal-data",
            "persistentVolumeClaim": {"claimName": "temporal-data"},
        }
        claim = find(objects, "PersistentVolumeClaim", "temporal-data")
        assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
        assert claim["spec"]["storageClassName"] == config.preview_temporal.storage_class
        assert claim["spec"]["resources"]["requests"]["storage"] == (
            f"{config.preview_temporal.storage_mi}Mi"
        )
        quota = find(objects, "ResourceQuota", "environment")["spec"]["hard"]
        assert quota["persistentvolumeclaims"] == "1"
        assert quota["requests.storage"] == f"{config.preview_temporal.storage_mi}Mi"
    production = rendered["production"]
    assert not [o for o in production if o["kind"] == "PersistentVolumeClaim"]


def test_the_storage_class_comes_from_config() -> None:
    changed = config_with(preview_temporal={"storage_class": "fast-ssd", "storage_mi": 2048})
    objects = build_objects(environment(EnvironmentKind.PREVIEW, 9, changed))
    claim = find(objects, "PersistentVolumeClaim", "temporal-data")
    assert claim["spec"]["storageClassName"] == "fast-ssd"
    assert claim["spec"]["resources"]["requests"]["storage"] == "2048Mi"
