"""The Temporal side of a versioned worker rollout (Worker Deployment Versioning).

`envctl deploy production` rolls out a worker Deployment for the new build ID, then through
the Temporal API: waits until that version polls the task queue, makes it the deployment's
current version, and retires older versions once no pinned workflow runs on them any more.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from temporalio.api.deployment.v1 import WorkerDeploymentVersion as VersionProto
from temporalio.api.enums.v1 import (
    TaskQueueType,
    VersionDrainageStatus,
    WorkerDeploymentVersionStatus,
)
from temporalio.api.workflowservice.v1 import (
    DeleteWorkerDeploymentVersionRequest,
    DescribeWorkerDeploymentRequest,
    DescribeWorkerDeploymentVersionRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

IDENTITY = "envctl"
POLL_SECONDS = 0.5


class VersioningFailed(Exception):
    """A step of the versioned rollout did not succeed; the message says which and why."""


@dataclass(frozen=True)
class VersionState:
    build_id: str
    status: str  # current, ramping, draining, drained, inactive, created
    drainage: str | None  # draining / drained, once the server has computed it

    @property
    def retirable(self) -> bool:
        """No workflow can still need it: drained of pinned runs, or never made current."""
        return self.status in ("drained", "inactive", "created") or self.drainage == "drained"


def _version(deployment: str, build_id: str) -> VersionProto:
    return VersionProto(deployment_name=deployment, build_id=build_id)


def _short(enum_name: str, prefix: str) -> str:
    return enum_name.removeprefix(prefix).lower()


async def polling_task_queues(client: Client, deployment: str, build_id: str) -> set[str]:
    """The workflow task queues this version's workers poll (empty before the first poll)."""
    try:
        answer = await client.workflow_service.describe_worker_deployment_version(
            DescribeWorkerDeploymentVersionRequest(
                namespace=client.namespace, deployment_version=_version(deployment, build_id)
            )
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return set()
        raise
    return {
        queue.name
        for queue in answer.worker_deployment_version_info.task_queue_infos
        if queue.type == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
    }


async def wait_until_polling(
    client: Client, deployment: str, build_id: str, task_queue: str, within: float
) -> float:
    """Wait until a worker of this version polls `task_queue`; return the seconds it took."""
    started = time.monotonic()
    while task_queue not in await polling_task_queues(client, deployment, build_id):
        if time.monotonic() - started > within:
            raise VersioningFailed(
                f"no worker of {deployment}.{build_id} polled task queue {task_queue} within "
                f"{within:.0f}s; check the worker pods' logs"
            )
        await asyncio.sleep(POLL_SECONDS)  # the server has no watch for pollers
    return time.monotonic() - started


async def make_current(client: Client, deployment: str, build_id: str) -> None:
    """Route new workflows (and AUTO_UPGRADE ones) to this version."""
    try:
        await client.workflow_service.set_worker_deployment_current_version(
            SetWorkerDeploymentCurrentVersionRequest(
                namespace=client.namespace,
                deployment_name=deployment,
                build_id=build_id,
                identity=IDENTITY,
            )
        )
    except RPCError as error:
        raise VersioningFailed(
            f"could not make {deployment}.{build_id} current: {error.message}"
        ) from None


async def current_build(client: Client, deployment: str) -> str | None:
    try:
        answer = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(namespace=client.namespace, deployment_name=deployment)
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    current = answer.worker_deployment_info.routing_config.current_deployment_version
    return current.build_id or None


async def versions(client: Client, deployment: str) -> list[VersionState]:
    """Every version the deployment knows, oldest first."""
    try:
        answer = await client.workflow_service.describe_worker_deployment(
            DescribeWorkerDeploymentRequest(namespace=client.namespace, deployment_name=deployment)
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return []
        raise
    summaries = sorted(
        answer.worker_deployment_info.version_summaries, key=lambda s: s.create_time.ToNanoseconds()
    )
    found = []
    for summary in summaries:
        drainage = summary.drainage_info.status or summary.drainage_status
        found.append(
            VersionState(
                build_id=summary.deployment_version.build_id,
                status=_short(
                    WorkerDeploymentVersionStatus.Name(summary.status),
                    "WORKER_DEPLOYMENT_VERSION_STATUS_",
                ),
                drainage=(
                    _short(VersionDrainageStatus.Name(drainage), "VERSION_DRAINAGE_STATUS_")
                    if drainage
                    else None
                ),
            )
        )
    return found


async def delete_version(client: Client, deployment: str, build_id: str) -> str | None:
    """Forget a retired version; None when done, else why the server refused (e.g. pollers
    it saw recently: it forgets them after a few minutes, and the next deploy retries)."""
    try:
        await client.workflow_service.delete_worker_deployment_version(
            DeleteWorkerDeploymentVersionRequest(
                namespace=client.namespace,
                deployment_version=_version(deployment, build_id),
                identity=IDENTITY,
            )
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        return error.message
    return None
