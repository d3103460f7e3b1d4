"""What a killed run left under podman is removed by the next run; a live run's is kept."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from devstack.orphans import OWNER_LABEL, owner_label, remove_orphans
from devstack.podman import available, podman, remove_pod, remove_volume
from devstack.pods import Pod, PodContext

pytestmark = pytest.mark.containers


def _exists(kind: str, name: str) -> bool:
    return podman(kind, "exists", name, check=False).returncode == 0


def _create(name: str, label: str) -> None:
    podman("pod", "create", "--infra=false", "--name", name, "--label", label)
    podman("volume", "create", "--label", label, name)


def test_a_dead_owners_pod_and_volume_go_and_a_live_owners_stay() -> None:
    if not available():
        pytest.skip("needs root and podman (make podman)")
    finished = subprocess.Popen(["true"])
    finished.wait()
    tag = uuid.uuid4().hex[:6]
    dead, live = f"orphan-{tag}", f"owned-{tag}"
    try:
        _create(dead, f"{OWNER_LABEL}={finished.pid}")
        _create(live, owner_label())

        removed = remove_orphans()

        assert dead in removed and removed.count(dead) == 2  # the pod and the volume
        assert live not in removed
        assert not _exists("pod", dead) and not _exists("volume", dead)
        assert _exists("pod", live) and _exists("volume", live)
    finally:
        for name in (dead, live):
            remove_pod(name, grace_seconds=0)
            remove_volume(name)


def test_the_pods_a_run_creates_carry_its_owner_label_and_tear_down_twice() -> None:
    if not available():
        pytest.skip("needs root and podman (make podman)")
    ctx = PodContext(f"ol{uuid.uuid4().hex[:6]}", "pr-1", {}, {}, [])
    volume = {"name": "scratch", "emptyDir": {}}
    pod = Pod(
        {
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [], "volumes": [volume]}}},
        },
        ctx,
    )
    try:
        pod.create([])
        for kind, name in (("pod", pod.name), ("volume", pod.volume_name(volume))):
            labels = json.loads(
                podman(kind, "inspect", "--format", "{{json .Labels}}", name).stdout
            )
            assert labels[OWNER_LABEL] == str(os.getpid())
    finally:
        pod.delete()
    pod.delete()  # a second teardown finds nothing to remove, and that is not an error
    assert not _exists("pod", pod.name) and not _exists("volume", pod.volume_name(volume))
