"""`envctl list`: every environment envctl manages, from its namespace's labels and
annotations and its Deployments' ready replicas."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from envctl.cluster.kubectl import Kubectl
from envctl.cluster.ownership import MANAGED_BY_LABEL, managed_namespaces
from envctl.manifests.base import Manifest
from envctl.manifests.namespace import (
    APP_URL_ANNOTATION,
    IMAGE_ANNOTATION,
    TEMPORAL_UI_URL_ANNOTATION,
    recorded_deployed_at,
)
from envctl.model.environment import DEPLOYED_AT_LABEL, ENV_KIND_LABEL, MANAGED_BY, PR_LABEL

COLUMNS = ("NAMESPACE", "KIND", "PR", "AGE", "DEPLOYED", "IMAGE", "READY", "APP", "TEMPORAL UI")


def duration(span: timedelta) -> str:
    """A short age: 3d4h, 5h12m, 7m, 40s."""
    seconds = max(int(span.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{seconds}s"


def _api_time(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _since(stamp: str | None, now: datetime, parse: Callable[[str], datetime | None]) -> str:
    if not stamp:
        return "-"
    when = parse(stamp)
    return "?" if when is None else duration(now - when)


def _readiness(namespace: str, deployments: list[Manifest]) -> str:
    own = [d for d in deployments if d["metadata"].get("namespace") == namespace]
    if not own:
        return "no workloads"
    ready = sum(
        1
        for d in own
        if int(d.get("status", {}).get("readyReplicas") or 0) >= int(d["spec"].get("replicas", 1))
        and int(d["spec"].get("replicas", 1)) > 0
    )
    return f"{ready}/{len(own)} ready"


def environment_rows(kubectl: Kubectl, now: datetime) -> list[tuple[str, ...]]:
    namespaces = managed_namespaces(kubectl)
    selector = {MANAGED_BY_LABEL: MANAGED_BY}
    deployments = kubectl.list_objects(["Deployment"], labels=selector, all_namespaces=True)
    rows: list[tuple[str, ...]] = []
    for ns in namespaces:
        meta = ns["metadata"]
        labels, notes = meta.get("labels", {}), meta.get("annotations", {})
        rows.append(
            (
                meta["name"],
                labels.get(ENV_KIND_LABEL, "?"),
                labels.get(PR_LABEL, "-"),
                _since(meta.get("creationTimestamp"), now, _api_time),
                _since(labels.get(DEPLOYED_AT_LABEL), now, recorded_deployed_at),
                notes.get(IMAGE_ANNOTATION, "-"),
                _readiness(meta["name"], deployments),
                notes.get(APP_URL_ANNOTATION, "-"),
                notes.get(TEMPORAL_UI_URL_ANNOTATION, "-"),
            )
        )
    return rows


def table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [COLUMNS, *rows]
    ]
