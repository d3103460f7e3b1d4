"""What Temporal says about a job's workflow, as an `Outcome` for its `jobs` row.

Only writers use this (the worker's report of a close, its reconciler, and cancel);
reads never ask Temporal.
"""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflowservice.v1 import GetClusterInfoRequest
from temporalio.bridge.proto.workflow_commands import WorkflowCommand
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.converter import DataConverter
from temporalio.exceptions import ActivityError, CancelledError, FailureError
from temporalio.service import RPCError, RPCStatusCode

from app.db import utcnow
from app.jobs.state import Outcome
from app.jobs.status import JobStatus

RPC_TIMEOUT = timedelta(seconds=5)
CLOSED = {
    WorkflowExecutionStatus.COMPLETED: JobStatus.SUCCEEDED,
    WorkflowExecutionStatus.FAILED: JobStatus.FAILED,
    WorkflowExecutionStatus.TIMED_OUT: JobStatus.FAILED,
    WorkflowExecutionStatus.TERMINATED: JobStatus.FAILED,
    WorkflowExecutionStatus.CANCELED: JobStatus.CANCELLED,
}
GONE = "the job's workflow no longer exists in Temporal"
_ORIGINS: weakref.WeakKeyDictionary[Client, str] = weakref.WeakKeyDictionary()


async def temporal_origin(client: Client) -> str:
    """Which Temporal this client talks to: "<cluster id>/<namespace>", asked once per client.

    The cluster id lives in Temporal's persistence, so it survives restarts on the same
    store and differs between servers that share nothing."""
    origin = _ORIGINS.get(client)
    if origin is None:
        info = await client.workflow_service.get_cluster_info(
            GetClusterInfoRequest(), timeout=RPC_TIMEOUT
        )
        origin = _ORIGINS[client] = f"{info.cluster_id}/{client.namespace}"
    return origin


def succeeded(result: Any, at: datetime | None = None) -> Outcome:
    return Outcome(JobStatus.SUCCEEDED, at or utcnow(), result=result)


def from_failure(failure: WorkflowFailureError, at: datetime | None = None) -> Outcome:
    """The outcome of a workflow whose result wait raised."""
    if isinstance(failure.cause, CancelledError):
        return Outcome(JobStatus.CANCELLED, at or utcnow())
    # Failed, terminated and timed out all read as failed, with the innermost cause.
    return Outcome(JobStatus.FAILED, at or utcnow(), error=failure_message(failure))


def ended_outcome(command: WorkflowCommand, converter: DataConverter) -> Outcome:
    """The outcome of a run that ended with `command` (app/worker/closes.py), decoded as the
    SDK's result wait decodes the close: no type hint, so plain JSON values."""
    kind = command.WhichOneof("variant")
    if kind == "complete_workflow_execution":
        ended = command.complete_workflow_execution
        if not ended.HasField("result"):
            return succeeded(None)
        return succeeded(converter.payload_converter.from_payloads([ended.result])[0])
    if kind == "cancel_workflow_execution":
        return Outcome(JobStatus.CANCELLED, utcnow())
    failure = converter.failure_converter.from_failure(
        command.fail_workflow_execution.failure, converter.payload_converter
    )
    return from_failure(WorkflowFailureError(cause=failure))


async def closed_outcome(client: Client, workflow_id: str, close_time: datetime | None) -> Outcome:
    """The outcome of a workflow known to be closed: its result or its failure."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        return succeeded(await handle.result(rpc_timeout=RPC_TIMEOUT), close_time)
    except WorkflowFailureError as failure:
        return from_failure(failure, close_time)


async def described_outcome(client: Client, workflow_id: str) -> Outcome | None:
    """The outcome if the workflow closed (or is gone), None while it runs."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        description = await handle.describe(rpc_timeout=RPC_TIMEOUT)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return Outcome(JobStatus.FAILED, utcnow(), error=GONE)
        raise
    if description.status is None or description.status not in CLOSED:
        return None
    return await closed_outcome(client, workflow_id, description.close_time)


async def an_activity_started(client: Client, workflow_id: str) -> bool:
    """Whether one of the workflow's activities is executing on a worker now."""
    description = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=RPC_TIMEOUT)
    return any(
        pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        for pending in description.raw_description.pending_activities
    )


def failure_message(failure: BaseException) -> str:
    """The innermost cause's message, named after the activity that raised it."""
    activity_name = None
    error: BaseException | None = failure
    message = str(failure)
    while error is not None:
        if isinstance(error, ActivityError):
            activity_name = error.activity_type
        if isinstance(error, FailureError) and error.message:
            message = error.message
        error = error.__cause__
    return f"{activity_name}: {message}" if activity_name else message
