"""`envctl histories ENV --out DIR`: export an environment's recent closed workflow
histories through the Temporal API, in the files `make histories` writes, so that
`make review` and `cd_production` can replay them against new code.

Only the app's own job types are exported (a Temporal shared with other apps keeps its
histories). Each file records the build that completed the run's workflow tasks, when the
worker was versioned, else `unknown`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError

from app.jobs.registry import REGISTRY
from app.worker.history_files import Provenance, write_history
from envctl.cluster.kubectl import Kubectl
from envctl.commands.temporal_api import connect, temporal_address
from envctl.commands.tools import CommandFailed
from envctl.model.environment import Environment

UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class Exported:
    paths: list[Path] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # other workflow types, by type


def closed_since_query(since: datetime) -> str:
    return f"ExecutionStatus != 'Running' AND CloseTime > '{since.astimezone(UTC).isoformat()}'"


def _build_of(events: list[HistoryEvent]) -> str:
    for event in reversed(events):
        if event.HasField("workflow_task_completed_event_attributes"):
            attributes = event.workflow_task_completed_event_attributes
            # Only a versioned worker's build ID is its commit; an unversioned one sends a hash.
            if attributes.deployment_version.build_id:
                return attributes.deployment_version.build_id
    return "unknown"


async def export_histories(
    client: Client, out: Path, *, source: str, since: datetime, limit: int
) -> Exported:
    """Write up to `limit` closed runs of the app's job types, newest first, to `out`."""
    exported = Exported()
    job_types = set(REGISTRY.names)
    async for execution in client.list_workflows(closed_since_query(since)):
        if len(exported.paths) >= limit:
            break
        if execution.workflow_type not in job_types:
            exported.skipped[execution.workflow_type] = (
                exported.skipped.get(execution.workflow_type, 0) + 1
            )
            continue
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        provenance = Provenance(
            workflow_type=execution.workflow_type,
            workflow_id=execution.id,
            run_id=execution.run_id,
            source=source,
            commit=_build_of(list(history.events)),
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        name = UNSAFE_IN_FILENAME.sub("_", execution.id)
        path = out / execution.workflow_type / f"{name}.{execution.run_id[:8]}.json"
        write_history(path, provenance, history)
        exported.paths.append(path)
    return exported


def export_from_environment(
    env: Environment,
    out: Path,
    *,
    address: str | None,
    temporal_namespace: str,
    since_seconds: int,
    limit: int,
    kubectl: Kubectl,
) -> Exported:
    """Export from `address`, or through a port-forward to the environment's temporal-server."""
    since = datetime.now(UTC) - timedelta(seconds=since_seconds)
    out.mkdir(parents=True, exist_ok=True)  # even when nothing closed: the replay reads it
    source = f"{env.kind.value} {env.namespace}"

    async def run(target: str) -> Exported:
        client = await connect(target, temporal_namespace)
        try:
            return await export_histories(client, out, source=source, since=since, limit=limit)
        except RPCError as error:
            raise CommandFailed(f"Temporal at {target} refused the export: {error}") from None

    with temporal_address(env, kubectl, address) as target:
        return asyncio.run(run(target))
