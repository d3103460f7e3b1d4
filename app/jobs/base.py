"""What a job is: a Temporal workflow, its activities, and the typed input it accepts.

Workflows get `(JobContext, <input model>)`. Activities that need the database or
settings are methods of a `JobActivities` subclass built with `JobDeps`, so tests and
the worker construct them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from temporalio import workflow
from temporalio.workflow import _Definition

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


class JobActivities:
    """Base of a job's activity class: the worker and the tests build it from `JobDeps`."""

    def __init__(self, deps: JobDeps) -> None:
        self.database = deps.database
        self.settings = deps.settings


ActivityFactory = Callable[[JobDeps], Sequence[Callable[..., Any]]]


@dataclass(frozen=True)
class JobType:
    """A job is its workflow: the `@workflow.defn` name is the job's name, and the run's
    second parameter (after `JobContext`) is the input model the API validates."""

    workflow: type
    description: str
    activities: ActivityFactory
    on_database_down: OnDatabaseDown
    execution_timeout: timedelta | None = None
    produces_artifact: bool = False
    name: str = field(init=False)
    input_model: type[JobInput] = field(init=False)

    def __post_init__(self) -> None:
        # The SDK has no public getter for what `@workflow.defn` and the run's hints declare.
        definition = _Definition.must_from_class(self.workflow)
        arg_types = definition.arg_types or []
        input_model = arg_types[1] if len(arg_types) == 2 else None
        if definition.name is None or not (
            isinstance(input_model, type) and issubclass(input_model, JobInput)
        ):
            raise TypeError(
                f"{self.workflow.__name__} needs a named @workflow.defn and a run typed "
                "(self, job: JobContext, data: <a JobInput model>)"
            )
        object.__setattr__(self, "name", definition.name)
        object.__setattr__(self, "input_model", input_model)

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()
