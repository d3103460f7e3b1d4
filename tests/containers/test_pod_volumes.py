"""Pod volumes under podman: an emptyDir lives as long as its pod, a PersistentVolumeClaim
outlives it (a Recreate rollout's new pod mounts the same data)."""

from __future__ import annotations

import uuid

import pytest

from devstack.podman import available, podman, volume_mountpoint
from devstack.pods import Pod, PodContext

pytestmark = pytest.mark.containers


def _deployment(volumes: list[dict[str, object]]) -> dict[str, object]:
    spec = {"securityContext": {"fsGroup": 10001}, "containers": [], "volumes": volumes}
    return {"metadata": {"name": "temporal"}, "spec": {"template": {"spec": spec}}}


def _exists(name: str) -> bool:
    return podman("volume", "exists", name, check=False).returncode == 0


def test_a_claim_outlives_its_pod_and_an_empty_dir_does_not() -> None:
    if not available():
        pytest.skip("needs root and podman (make podman)")
    ctx = PodContext(f"vt{uuid.uuid4().hex[:6]}", "pr-1", {}, {}, [])
    volumes: list[dict[str, object]] = [
        {"name": "temporal-data", "persistentVolumeClaim": {"claimName": "temporal-state"}},
        {"name": "server-tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]
    first = Pod(_deployment(volumes), ctx)
    claim, scratch = (first.volume_name(v) for v in volumes)
    assert claim == f"{ctx.run_id}-pvc-temporal-state"
    try:
        for volume in volumes:
            first._create_volume(volume)
        mountpoint = volume_mountpoint(claim)
        assert mountpoint.stat().st_gid == 10001 and mountpoint.stat().st_mode & 0o2070 == 0o2070
        (mountpoint / "temporal.db").write_text("state")
        first.delete()
        assert not _exists(scratch) and _exists(claim)

        second = Pod(_deployment(volumes), ctx)  # the Recreate rollout's new pod
        second._create_volume(volumes[0])
        assert (volume_mountpoint(claim) / "temporal.db").read_text() == "state"
    finally:
        podman("volume", "rm", "-f", claim, scratch, check=False)
