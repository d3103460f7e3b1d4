"""Bases for a workflow runner that wraps the worker's own: each delegates everything to the
runner or instance it wraps, so a subclass overrides only what it changes."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.workflow import Info, _Definition


class WrappedRunner(WorkflowRunner):
    def __init__(self, inner: WorkflowRunner) -> None:
        self.inner = inner

    def prepare_workflow(self, defn: _Definition) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return self.inner.create_instance(det)

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


class WrappedInstance(WorkflowInstance):
    def __init__(self, inner: WorkflowInstance) -> None:
        self.inner = inner

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self.inner.activate(act)

    def get_serialization_context(self, command_info):  # type: ignore[no-untyped-def]
        return self.inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info):  # type: ignore[no-untyped-def]
        return self.inner.get_external_store_context(command_info)

    def get_info(self) -> Info:
        return self.inner.get_info()
