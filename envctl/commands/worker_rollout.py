"""The versioned worker rollout of `envctl deploy production`, after the new worker
Deployment (`python-worker-<build>`) has rolled out:

1. wait until the new version polls the task queue;
2. make it the Worker Deployment's current version (new and AUTO_UPGRADE runs move to it);
3. retire each older version that no pinned workflow still needs: delete its Deployment and
   HPA, then the version in Temporal. A version still draining keeps its pods; the next
   deploy looks again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio.client import Client

from app.settings import Settings
from envctl.cluster.worker_versions import (
    VersioningFailed,
    delete_version,
    make_current,
    versions,
    wait_until_polling,
)
from envctl.commands.temporal_api import connect, temporal_address
from envctl.commands.tools import CommandFailed, Tools
from envctl.manifests.app import WORKER_DEPLOYMENT_NAME
from envctl.manifests.worker import build_name
from envctl.model.environment import Environment

TASK_QUEUE: str = Settings.model_fields["temporal_task_queue"].default


@dataclass
class RolloutSummary:
    deployment: str
    current: str
    retired: list[str] = field(default_factory=list)
    draining: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.deployment}.{self.current[:12]} current"]
        if self.retired:
            parts.append(f"retired {', '.join(b[:12] for b in self.retired)}")
        if self.draining:
            parts.append(f"draining {', '.join(b[:12] for b in self.draining)}")
        return "; ".join(parts)


async def roll_out_version(
    client: Client,
    build: str,
    *,
    within: float,
    retire: Callable[[str], None],
    say: Callable[[str], None],
    deployment: str = WORKER_DEPLOYMENT_NAME,
    task_queue: str = TASK_QUEUE,
) -> RolloutSummary:
    """Steps 1-3 for `build`; `retire(old_build)` removes that build's worker pods."""
    waited = await wait_until_polling(client, deployment, build, task_queue, within)
    say(f"  worker versions: {deployment}.{build[:12]} polls {task_queue} ({waited:.1f}s)")
    await make_current(client, deployment, build)
    say(f"  worker versions: {deployment}.{build[:12]} is current")
    summary = RolloutSummary(deployment=deployment, current=build)
    for state in await versions(client, deployment):
        if state.build_id == build:
            continue
        if not state.retirable:
            say(f"  worker versions: keeping {state.build_id[:12]} ({state.status}): pinned runs")
            summary.draining.append(state.build_id)
            continue
        retire(state.build_id)  # its pods first: Temporal keeps a version that still polls
        refused = await delete_version(client, deployment, state.build_id)
        note = f" (Temporal keeps it for now: {refused})" if refused else ""
        say(f"  worker versions: retired {state.build_id[:12]}{note}")
        summary.retired.append(state.build_id)
    return summary


def versioned_rollout(env: Environment, tools: Tools, within: float) -> str:
    """The deploy's step: reach production's Temporal, roll the worker version forward."""

    def retire(build: str) -> None:
        name = build_name(build)
        for kind in ("HorizontalPodAutoscaler", "Deployment"):
            tools.kubectl.delete(kind, name, env.namespace)

    async def run(address: str) -> RolloutSummary:
        client = await connect(address)
        try:
            return await roll_out_version(
                client, env.image_tag, within=within, retire=retire, say=tools.echo
            )
        except VersioningFailed as error:
            raise CommandFailed(f"worker versions: {error}") from None

    with temporal_address(env, tools.kubectl, None) as address:
        return asyncio.run(run(address)).line()
