"""The one list of job types. The web app and the worker both read it.

To add a job: write a module like `echo.py` that defines `JOB`, and add it here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from app.jobs import echo, email, export, healthcheck, reminders
from app.jobs.base import JobDeps, JobType


class JobRegistry:
    def __init__(self, job_types: Sequence[JobType]) -> None:
        self._by_name = {job.name: job for job in job_types}
        if len(self._by_name) != len(job_types):
            raise ValueError("job type names must be unique")

    def __iter__(self) -> Iterator[JobType]:
        return iter(self._by_name.values())

    def get(self, name: str) -> JobType | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def workflows(self) -> list[type]:
        return [job.workflow for job in self]

    def activities(self, deps: JobDeps) -> list[Callable[..., Any]]:
        return [activity for job in self for activity in job.activities(deps)]


REGISTRY = JobRegistry(
    [
        echo.JOB,
        export.JOB,
        email.JOB,
        healthcheck.JOB,
        reminders.JOB,
    ]
)
