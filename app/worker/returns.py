"""Reports a workflow's return as its workflow task completes, outside the sandbox.

A workflow that returns completes its activation with a `CompleteWorkflowExecution`
command, which holds the result payload Temporal records as it closes the run. This runner
wraps the worker's own and hands that payload to a callback as the completion leaves the
workflow, so a job's row can take its result then, instead of after the SDK's result wait
hears of the close (about 10 ms later, `docs/benchmarks.md`). Nothing in the completion
changes, so command sequences and replays are as before, and replayed activations are not
reported. Failures and cancellations are left to the result wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from temporalio.api.common.v1 import Payload
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner

from app.worker.wrapped import WrappedInstance, WrappedRunner

log = logging.getLogger(__name__)
Returned = Callable[[str, Payload], None]  # (workflow id, result payload)


class ReportingReturns(WrappedRunner):
    """Runs workflows as `inner` does, and calls `returned` as each one returns."""

    def __init__(self, inner: WorkflowRunner, returned: Returned) -> None:
        super().__init__(inner)
        self.returned = returned

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Reporting(self.inner.create_instance(det), det.info.workflow_id, self.returned)


def returned_result(act: WorkflowActivation, done: WorkflowActivationCompletion) -> Payload | None:
    """The result a live (not replayed) activation's completion returns the workflow with."""
    if act.is_replaying or not done.HasField("successful"):
        return None
    for command in done.successful.commands:
        if command.HasField("complete_workflow_execution"):
            return command.complete_workflow_execution.result
    return None


class _Reporting(WrappedInstance):
    def __init__(self, inner: WorkflowInstance, workflow_id: str, returned: Returned) -> None:
        super().__init__(inner)
        self.workflow_id = workflow_id
        self.returned = returned

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        completion = self.inner.activate(act)
        result = returned_result(act, completion)
        if result is not None:
            try:
                self.returned(self.workflow_id, result)
            except Exception:  # the report is an optimisation: never fail the workflow task
                log.exception("workflow %s: its return was not reported", self.workflow_id)
        return completion
