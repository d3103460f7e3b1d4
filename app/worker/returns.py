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
from collections.abc import Callable, Sequence

from temporalio.api.common.v1 import Payload
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.workflow import Info, _Definition

log = logging.getLogger(__name__)
Returned = Callable[[str, Payload], None]  # (workflow id, result payload)


class ReportingReturns(WorkflowRunner):
    """Runs workflows as `inner` does, and calls `returned` as each one returns."""

    def __init__(self, inner: WorkflowRunner, returned: Returned) -> None:
        self.inner = inner
        self.returned = returned

    def prepare_workflow(self, defn: _Definition) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Reporting(self.inner.create_instance(det), det.info.workflow_id, self.returned)

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


def returned_result(act: WorkflowActivation, done: WorkflowActivationCompletion) -> Payload | None:
    """The result a live (not replayed) activation's completion returns the workflow with."""
    if act.is_replaying or not done.HasField("successful"):
        return None
    for command in done.successful.commands:
        if command.HasField("complete_workflow_execution"):
            return command.complete_workflow_execution.result
    return None


class _Reporting(WorkflowInstance):
    def __init__(self, inner: WorkflowInstance, workflow_id: str, returned: Returned) -> None:
        self.inner = inner
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

    def get_serialization_context(self, command_info):  # type: ignore[no-untyped-def]
        return self.inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info):  # type: ignore[no-untyped-def]
        return self.inner.get_external_store_context(command_info)

    def get_info(self) -> Info:
        return self.inner.get_info()
