"""Production Temporal's secrets: apart from the app's, and reloaded when they change."""

from __future__ import annotations

from envctl.manifests.base import Manifest
from envctl.manifests.workloads import containers, pod_specs
from tests.envctl.conftest import IMAGE, find


def doppler_configs(objects: list[Manifest]) -> dict[str, str]:
    """Managed Secret name -> the Doppler config it copies."""
    return {
        o["spec"]["managedSecret"]["name"]: o["spec"]["config"]
        for o in objects
        if o["kind"] == "DopplerSecret"
    }


def test_app_containers_never_receive_temporals_database_password(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["production"]
    configs = doppler_configs(objects)
    # A Doppler config is copied whole into app-secrets: the password must live in another one.
    assert configs["temporal-db"] != configs["app-secrets"]
    for item, pod in pod_specs(objects):
        for spec, _ in containers(pod):
            if spec["image"] != IMAGE:
                continue
            sources = {s["secretRef"]["name"] for s in spec.get("envFrom", [])}
            keys = {
                v["valueFrom"]["secretKeyRef"]["name"]
                for v in spec.get("env", [])
                if "secretKeyRef" in v.get("valueFrom", {})
            }
            assert "temporal-db" not in sources | keys, f"{item['metadata']['name']}"
            assert {configs.get(name) for name in sources} <= {configs["app-secrets"], None}


def test_the_production_temporal_server_reloads_when_its_secret_changes(
    rendered: dict[str, list[Manifest]],
) -> None:
    server = find(rendered["production"], "Deployment", "temporal-server")
    assert server["metadata"]["annotations"]["secrets.doppler.com/reload"] == "true"
    plain = find(rendered["production-plain"], "Deployment", "temporal-server")
    assert "secrets.doppler.com/reload" not in plain["metadata"].get("annotations", {})
