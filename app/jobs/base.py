"""What a job is: a Temporal workflow, its activities, and the typed input it accepts.

Workflows get `(JobContext, <input model>)`. Activities that need the database or
settings are methods of a class built with `JobDeps`, so tests and the worker
construct them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from app.db import Database
    from app.settings import Settings


class JobContext(BaseModel):
    """Who started the job. Set by the API from the caller's token, never from the input."""

    owner_id: int | None = None


class JobInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Progress(BaseModel):
    """What long activities heartbeat; the API reports it as the job's progress."""

    done: int
    total: int


class OnDatabaseDown(StrEnum):
    """What a job does when the app database goes down while it runs; each job declares it
    and the fault suite (`tests/faults/test_postgres_stopped.py`) holds it to that."""

    NOT_USED = "not_used"  # never touches the app database: carries on
    RETRY = "retry"  # its activities wait and retry with backoff, within their retry policy
    FAIL = "fail"  # it fails with a clear "the app database is unavailable" error


@dataclass(frozen=True)
class JobDeps:
    settings: Settings
    database: Database


ActivityFactory = Callable[[JobDeps], Sequence[Callable[..., Any]]]


@dataclass(frozen=True)
class JobType:
    name: str
    description: str
    workflow: type
    input_model: type[JobInput]
    activities: ActivityFactory
    on_database_down: OnDatabaseDown
    execution_timeout: timedelta | None = None
    produces_artifact: bool = False

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()
