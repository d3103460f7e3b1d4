"""Jobs in and out of a fault case: what the API accepted, how each job ended, and how
many workflow executions Temporal ran for it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from devstack.api import TERMINAL, ApiClient
from devstack.waiting import ConditionTimeout, wait_until
from tests.faults.report import CaseResult

START_RETRY_SECONDS = 60


@dataclass
class Ledger:
    api: ApiClient
    temporal_address: str
    task_queue: str
    submitted: dict[str, dict[str, Any]] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)

    def submit(
        self, requests: Iterable[tuple[str, dict[str, Any]]], expect: str = "succeeded"
    ) -> list[dict[str, Any]]:
        # Under a loaded machine a start may answer 503; the ledger retries it with its key.
        jobs = self.api.start_jobs(requests, retry_unavailable=START_RETRY_SECONDS)
        for job in jobs:
            assert job["id"] not in self.submitted, f"job id {job['id']} handed out twice"
            self.submitted[job["id"]] = job
            self.expected[job["id"]] = expect
        return jobs

    def of_type(self, job_type: str) -> list[str]:
        return [job_id for job_id, job in self.submitted.items() if job["type"] == job_type]

    def current(self) -> dict[str, dict[str, Any]]:
        listed = self.api.jobs()
        return {job_id: listed[job_id] for job_id in self.submitted if job_id in listed}

    def unfinished(self, current: dict[str, dict[str, Any]] | None = None) -> list[str]:
        current = self.current() if current is None else current
        return [
            job_id
            for job_id in self.submitted
            if current.get(job_id, {}).get("status") not in TERMINAL
        ]

    def wait_all_finished(self, timeout: float) -> dict[str, dict[str, Any]]:
        """Every submitted job as the API shows it once all are terminal, or at the deadline."""

        def finished() -> dict[str, dict[str, Any]] | None:
            current = self.current()
            return None if self.unfinished(current) else current

        try:
            return wait_until(finished, timeout, "every job to finish", interval=0.2)
        except ConditionTimeout:
            return self.current()

    def executions(self) -> Counter[str]:
        """How many workflow executions Temporal holds for each submitted job."""
        return asyncio.run(executions_by_id(self.temporal_address, self.task_queue))

    def result(
        self,
        case: str,
        final: dict[str, dict[str, Any]],
        recovered_at: float | None,
        fault_lifted_at: float | None,
        side_effect_duplicates: int = 0,
        detail: str = "",
    ) -> CaseResult:
        executions = self.executions()
        run_duplicates = sum(executions[f"job-{job_id}"] - 1 for job_id in self.submitted)
        strangers = [wid for wid in executions if wid.removeprefix("job-") not in self.submitted]
        jobs_out = sum(
            1
            for job_id, expected in self.expected.items()
            if final.get(job_id, {}).get("status") == expected
        )
        stuck = len(self.unfinished(final))
        missing = [
            job_id
            for job_id in self.submitted
            if job_id not in final or executions[f"job-{job_id}"] == 0
        ]
        wrong = [
            job_id
            for job_id, expected in self.expected.items()
            if final.get(job_id, {}).get("status") in TERMINAL
            and final[job_id]["status"] != expected
        ]
        recover = None
        if recovered_at is not None and fault_lifted_at is not None and stuck == 0:
            recover = max(recovered_at - fault_lifted_at, 0.0)
        notes = [detail] if detail else []
        if wrong:
            notes.append(f"{len(wrong)} ended in an unexpected status")
        if strangers:
            notes.append(f"{len(strangers)} workflow(s) no job asked for")
        return CaseResult(
            case=case,
            jobs_in=len(self.submitted),
            jobs_out=jobs_out,
            duplicates=run_duplicates + len(strangers) + side_effect_duplicates,
            lost=len(set(missing) | set(wrong)),
            stuck=stuck,
            recover_seconds=recover,
            detail="; ".join(notes),
        )


def assert_clean(result: CaseResult) -> None:
    assert (result.lost, result.duplicates, result.stuck) == (0, 0, 0), result
    assert result.jobs_out == result.jobs_in, result


async def executions_by_id(address: str, task_queue: str) -> Counter[str]:
    client = await Client.connect(address)
    counts: Counter[str] = Counter()
    # Jobs started through the API have ids `job-<uuid>`; children (`...-email-N`) and
    # schedule runs on the same queue are not jobs of their own.
    async for execution in client.list_workflows(f"TaskQueue = '{task_queue}'"):
        if execution.id.startswith("job-") and "-email-" not in execution.id:
            counts[execution.id] += 1
    return counts


async def activity_attempts(address: str, workflow_ids: list[str]) -> dict[str, list[int]]:
    """The attempt number of every activity start in each workflow's history."""
    client = await Client.connect(address)

    async def attempts(workflow_id: str) -> tuple[str, list[int]]:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        return workflow_id, [
            event.activity_task_started_event_attributes.attempt
            for event in history.events
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        ]

    return dict(await asyncio.gather(*(attempts(w) for w in workflow_ids)))


def now() -> float:
    return time.monotonic()
