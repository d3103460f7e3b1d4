"""Pods and volumes that a killed run left under podman, found by their owner and removed.

Every pod and volume that `devstack.pods` creates is labelled with the id of the process that
created it. The run's teardown deletes them; a run killed before its teardown (SIGKILL, a
machine session restarted under it) cannot, and its pods would keep their memory and host
ports. The next run removes what is labelled with a process that no longer exists, and keeps
what a run still going beside it owns.
"""

from __future__ import annotations

import json
import logging
import os

from devstack.podman import podman, remove_pod, remove_volume

log = logging.getLogger(__name__)

OWNER_LABEL = "preview-stack.owner"


def owner_label() -> str:
    """`--label` value naming this process as the owner."""
    return f"{OWNER_LABEL}={os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _orphaned(kind: str) -> list[str]:
    """Names of the `kind` ("pod" or "volume") objects whose owner process is gone."""
    listed = podman(kind, "ls", "--filter", f"label={OWNER_LABEL}", "--format", "json").stdout
    names = []
    for entry in json.loads(listed or "[]"):
        owner = (entry.get("Labels") or {}).get(OWNER_LABEL, "")
        if owner.isdigit() and not _alive(int(owner)):
            names.append(str(entry["Name"]))
    return names


def remove_orphans() -> list[str]:
    """Remove the pods, then the volumes, of runs that are gone; return what was removed."""
    removed = []
    for pod in _orphaned("pod"):
        remove_pod(pod, grace_seconds=0)
        removed.append(pod)
    for volume in _orphaned("volume"):
        remove_volume(volume)
        removed.append(volume)
    if removed:
        log.warning("removed what a killed run left under podman: %s", ", ".join(removed))
    return removed
