"""Worker Deployment Versioning: which deployment and build the worker registers as.

With `WORKER_DEPLOYMENT_NAME` set (production) the worker polls as version
`<name>.<GIT_COMMIT>`, and each workflow's declared behaviour applies: a PINNED run stays
on the build that started it, an AUTO_UPGRADE run moves to the current build at its next
workflow task. Unset (development, tests, previews: one worker each), it polls unversioned
and does not send the declared behaviours, which the server refuses from such a worker.
"""

from __future__ import annotations

from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import (
    WorkerDeploymentConfig,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.workflow import _Definition

from app.settings import Settings
from app.worker.wrapped import WrappedInstance, WrappedRunner


def deployment_version(settings: Settings) -> WorkerDeploymentVersion | None:
    if not settings.worker_deployment_name:
        return None
    return WorkerDeploymentVersion(settings.worker_deployment_name, settings.git_commit)


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    version = deployment_version(settings)
    if version is None:
        return None
    # No default behaviour: a workflow that does not declare one fails the worker's start.
    return WorkerDeploymentConfig(version=version, use_worker_versioning=True)


# Modules the sandbox takes from the worker instead of importing afresh for every workflow
# run: `app.jobs.base` holds only the models and types jobs share, no workflow code, and its
# models' pydantic class building was a quarter of the worker's CPU per echo job (py-spy).
PASSED_THROUGH = ("app.jobs.base",)


def sandboxed_runner() -> SandboxedWorkflowRunner:
    """The sandbox workflows run in, on the worker and in the replay of their histories."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    return SandboxedWorkflowRunner(restrictions=restrictions)


def workflow_runner(settings: Settings) -> WorkflowRunner:
    sandboxed = sandboxed_runner()
    return sandboxed if settings.worker_deployment_name else WithoutVersioningBehavior(sandboxed)


def versioning_behavior(workflow_class: type) -> VersioningBehavior:
    """The behaviour `@workflow.defn` declares (the SDK has no public getter)."""
    declared = _Definition.must_from_class(workflow_class).versioning_behavior
    return declared if declared is not None else VersioningBehavior.UNSPECIFIED


class WithoutVersioningBehavior(WrappedRunner):
    """Runs workflows as `inner` does, but completes their tasks with no versioning behaviour."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Unversioned(self.inner.create_instance(det))


class _Unversioned(WrappedInstance):
    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        completion = self.inner.activate(act)
        if completion.HasField("successful"):
            completion.successful.versioning_behavior = VersioningBehavior.UNSPECIFIED.value
        return completion
