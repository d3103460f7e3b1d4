"""Reports a workflow's close from inside the worker, once Temporal has accepted it.

A workflow ends by completing its last activation with a `CompleteWorkflowExecution`,
`FailWorkflowExecution` or `CancelWorkflowExecution` command. The SDK sends that completion
to Temporal, and only once Temporal has accepted it does it evict the finished run with
reason `WORKFLOW_EXECUTION_ENDING` (sdk-core's workflow stream: a run is evicted for its end
after its workflow task was reported, and a rejected completion, `UNHANDLED_COMMAND` or
`TASK_NOT_FOUND`, evicts it for that reason instead). So this runner keeps the ending command
of a live activation and, when that eviction comes, hands its outcome to a callback: the close
Temporal recorded, known in the worker without a call to Temporal. Any other eviction passes
`None`: the run left the cache without a close this worker saw accepted (a rejected completion
is retried; a terminate or timeout never reaches the worker), which the reconciler settles.
Nothing in the completions changes, so command sequences and replays are as before, and
replayed activations are not reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from temporalio.bridge.proto.workflow_activation import RemoveFromCache, WorkflowActivation
from temporalio.bridge.proto.workflow_commands import WorkflowCommand
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner

from app.worker.wrapped import WrappedInstance, WrappedRunner

log = logging.getLogger(__name__)
# (workflow id, the command that ended the run, or None: evicted without an accepted end)
Evicted = Callable[[str, WorkflowCommand | None], None]
_ENDING = ("complete_workflow_execution", "fail_workflow_execution", "cancel_workflow_execution")
_ACCEPTED_END = RemoveFromCache.EvictionReason.WORKFLOW_EXECUTION_ENDING


class ReportingCloses(WrappedRunner):
    """Runs workflows as `inner` does, and calls `evicted` as each run leaves the cache."""

    def __init__(self, inner: WorkflowRunner, evicted: Evicted) -> None:
        super().__init__(inner)
        self.evicted = evicted

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Reporting(self.inner.create_instance(det), det.info.workflow_id, self.evicted)


def ending_command(
    act: WorkflowActivation, done: WorkflowActivationCompletion
) -> WorkflowCommand | None:
    """The command a live (not replayed) activation's completion ends the run with."""
    if act.is_replaying or not done.HasField("successful"):
        return None
    for command in done.successful.commands:
        if command.WhichOneof("variant") in _ENDING:
            return command
    return None


def eviction(act: WorkflowActivation) -> RemoveFromCache | None:
    for job in act.jobs:
        if job.HasField("remove_from_cache"):
            return job.remove_from_cache
    return None


class _Reporting(WrappedInstance):
    def __init__(self, inner: WorkflowInstance, workflow_id: str, evicted: Evicted) -> None:
        super().__init__(inner)
        self.workflow_id = workflow_id
        self.evicted = evicted
        self.ending: WorkflowCommand | None = None  # sent, not yet known to be accepted

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        completion = self.inner.activate(act)
        removed = eviction(act)
        if removed is None:
            self.ending = ending_command(act, completion) or self.ending
            return completion
        accepted = self.ending if removed.reason == _ACCEPTED_END else None
        self.ending = None  # an eviction the SDK retries must not report twice
        try:
            self.evicted(self.workflow_id, accepted)
        except Exception:  # the report is an optimisation: never fail the eviction
            log.exception("workflow %s: its close was not reported", self.workflow_id)
        return completion
