"""The podman CLI, as the container tests call it (with the repo's containers.conf)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONTAINERS_CONF = ROOT / "containers" / "containers.conf"
IMAGE = os.environ.get("PREVIEW_IMAGE", "localhost/preview-stack:local")
UI_IMAGE = os.environ.get("TEMPORAL_UI_IMAGE", "localhost/temporal-ui:local")


class PodmanError(RuntimeError):
    pass


def available() -> bool:
    return shutil.which("podman") is not None and os.geteuid() == 0


def podman(
    *args: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["podman", *args],
        cwd=tempfile.gettempdir(),  # conmon writes a file named `oom` in its cwd after an OOM kill
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise PodmanError(f"podman {' '.join(args[:3])} ...: {result.stderr.strip()[-2000:]}")
    return result


def remove_pod(name: str, grace_seconds: int) -> None:
    """Stop and remove a pod; one that is already gone is fine, any other failure raises."""
    podman("pod", "rm", "--ignore", "-f", "-t", str(grace_seconds), name, timeout=90)


def remove_volume(name: str) -> None:
    """Remove a volume; one that is already gone is fine (`-f`), any other failure raises."""
    podman("volume", "rm", "-f", name)


def image_exists(ref: str) -> bool:
    return podman("image", "exists", ref, check=False).returncode == 0


def inspect(name: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(podman("inspect", "--type", "container", name).stdout)
    return data[0]


def state(name: str) -> dict[str, Any]:
    result: dict[str, Any] = inspect(name)["State"]
    return result


def logs(name: str, tail: int = 60) -> str:
    result = podman("logs", "--tail", str(tail), name, check=False)
    return result.stdout + result.stderr


def volume_mountpoint(name: str) -> Path:
    return Path(podman("volume", "inspect", "--format", "{{.Mountpoint}}", name).stdout.strip())


def memory_cgroup(name: str) -> Path:
    """The container's cgroup v1 memory directory (podman with cgroupfs)."""
    info = inspect(name)
    pid = int(info["State"]["Pid"])
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
    raise PodmanError(f"{name}: no memory cgroup in /proc/{pid}/cgroup")


def memory_working_set(name: str) -> int:
    """Bytes, as the kubelet counts them: usage minus inactive file pages."""
    cgroup = memory_cgroup(name)
    usage = int((cgroup / "memory.usage_in_bytes").read_text())
    stats = dict(line.split() for line in (cgroup / "memory.stat").read_text().splitlines() if line)
    return max(usage - int(stats.get("total_inactive_file", "0")), 0)
