"""Tasks, the sample domain: each account sees and changes only its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from app.api.deps import signed_in
from app.api.errors import ApiError, not_found
from app.api.openapi import (
    BODY_ERRORS,
    MAX_ID,
    WRITE_ERRORS,
    JsonBody,
    JsonDateTime,
    api_blueprint,
)
from app.api.pagination import PageQuery, decode_cursor, split_page
from app.api.reads import read_session
from app.auth.tokens import CurrentAccount
from app.db import as_utc, utcnow
from app.models import Task
from app.services import services

blueprint = api_blueprint("tasks", __name__, url_prefix="/api/tasks")


def _title(value: object) -> object:
    """Runs before the length checks, so "" and "   " get the same message."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
    return value


class TaskCreate(JsonBody):
    title: str = Field(min_length=1, max_length=200)
    notes: str = Field(default="", max_length=2000)
    due_at: JsonDateTime | None = None

    _check_title = field_validator("title", mode="before")(_title)


class TaskUpdate(JsonBody):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=2000)
    due_at: JsonDateTime | None = None
    completed: bool | None = None

    _check_title = field_validator("title", mode="before")(_title)


class TaskOut(BaseModel):
    """A task."""

    id: int
    title: str
    notes: str
    due_at: datetime | None
    completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TaskPage(BaseModel):
    """A page of tasks, newest first."""

    items: list[TaskOut]
    next_cursor: str | None


class TaskListQuery(PageQuery):
    completed: bool | None = None


class TaskPath(BaseModel):
    # Documented as the `integer` column's range; a larger id is a 404 (see `_owned`).
    task_id: int = Field(json_schema_extra={"minimum": 0, "maximum": MAX_ID})


@signed_in(blueprint.get, "", "Your tasks", {200: TaskPage})
def list_tasks(account: CurrentAccount, query: TaskListQuery) -> TaskPage:
    statement = select(Task).where(Task.owner_id == account.id)
    if query.completed is not None:
        statement = statement.where(
            Task.completed_at.is_not(None) if query.completed else Task.completed_at.is_(None)
        )
    if query.cursor is not None:
        _, last_id = decode_cursor(query.cursor)
        if not isinstance(last_id, int):
            raise ApiError(422, "validation_error", "cursor: not a task cursor")
        statement = statement.where(Task.id < last_id)
    statement = statement.order_by(Task.id.desc()).limit(query.limit + 1)
    with read_session() as session:
        rows = session.scalars(statement).all()
    page, next_cursor = split_page(rows, query.limit)
    return TaskPage(items=[task_out(task) for task in page], next_cursor=next_cursor)


@signed_in(blueprint.post, "", "Create a task", {201: TaskOut, **BODY_ERRORS})
def create_task(account: CurrentAccount, body: TaskCreate) -> tuple[TaskOut, int]:
    with services().database.session() as session:
        task = Task(owner_id=account.id, title=body.title, notes=body.notes, due_at=body.due_at)
        session.add(task)
        session.flush()
        return task_out(task), 201


@signed_in(blueprint.get, "/<int:task_id>", "One task", {200: TaskOut}, item=True)
def get_task(account: CurrentAccount, path: TaskPath) -> TaskOut:
    with read_session() as session:
        return task_out(_owned(session, account, path.task_id))


@signed_in(
    blueprint.patch, "/<int:task_id>", "Change a task", {200: TaskOut, **BODY_ERRORS}, item=True
)
def update_task(account: CurrentAccount, path: TaskPath, body: TaskUpdate) -> TaskOut:
    changes = body.model_dump(exclude_unset=True)
    with services().database.session() as session:
        task = _owned(session, account, path.task_id)
        for field in ("title", "notes"):
            if changes.get(field) is not None:
                setattr(task, field, changes[field])
        if "due_at" in changes:
            task.due_at = changes["due_at"]
        if changes.get("completed") is not None:
            _set_completed(task, changes["completed"])
        session.flush()
        return task_out(task)


@signed_in(
    blueprint.post,
    "/<int:task_id>/complete",
    "Mark a task done",
    {200: TaskOut, **WRITE_ERRORS},
    item=True,
)
def complete_task(account: CurrentAccount, path: TaskPath) -> TaskOut:
    with services().database.session() as session:
        task = _owned(session, account, path.task_id)
        _set_completed(task, True)
        session.flush()
        return task_out(task)


@signed_in(
    blueprint.delete,
    "/<int:task_id>",
    "Delete a task",
    {204: {"description": "deleted"}, **WRITE_ERRORS},
    item=True,
)
def delete_task(account: CurrentAccount, path: TaskPath) -> Response:
    with services().database.session() as session:
        session.delete(_owned(session, account, path.task_id))
    return Response(status=204)


def _owned(session: Any, account: CurrentAccount, task_id: int) -> Task:
    if task_id > MAX_ID:  # no such row; PostgreSQL would reject the comparison itself
        raise not_found("task")
    task: Task | None = session.scalar(
        select(Task).where(Task.id == task_id, Task.owner_id == account.id)
    )
    if task is None:
        raise not_found("task")
    return task


def _set_completed(task: Task, completed: bool) -> None:
    if completed and task.completed_at is None:
        task.completed_at = utcnow()
    elif not completed:
        task.completed_at = None


def task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.id,
        title=task.title,
        notes=task.notes,
        due_at=as_utc(task.due_at),
        completed=task.completed_at is not None,
        completed_at=as_utc(task.completed_at),
        created_at=as_utc(task.created_at) or task.created_at,
        updated_at=as_utc(task.updated_at) or task.updated_at,
    )
