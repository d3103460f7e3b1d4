"""`reminders`: emails each account the tasks that are due, through the `email` job.

A Temporal Schedule runs it for every account; started through the API it covers
the caller's tasks only. Each account's message is a child `email` workflow with a
deterministic id, so a retried run never mails anyone twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy, VersioningBehavior

from app.jobs.base import JobActivities, JobContext, JobDeps, JobInput, JobType, OnDatabaseDown
from app.jobs.email import EmailInput, EmailWorkflow

with workflow.unsafe.imports_passed_through():
    from sqlalchemy import select, update

    from app.db import utcnow
    from app.models import Account, Task

# With the app database down the activities wait and retry; the run's one-hour
# execution timeout bounds how long.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)


class RemindersInput(JobInput):
    pass


class DueTasks(BaseModel):
    account_id: int
    email: str
    task_ids: list[int]
    titles: list[str]


class RemindersResult(BaseModel):
    accounts: int
    tasks: int


class ReminderActivities(JobActivities):
    @activity.defn(name="find_due_tasks")
    def find_due_tasks(self, job: JobContext) -> list[DueTasks]:
        query = (
            select(Task.id, Task.title, Account.id, Account.email)
            .join(Account, Account.id == Task.owner_id)
            .where(
                Task.due_at <= utcnow(),
                Task.completed_at.is_(None),
                Task.reminded_at.is_(None),
            )
            .order_by(Account.id, Task.id)
        )
        if job.owner_id is not None:
            query = query.where(Task.owner_id == job.owner_id)
        by_account: dict[int, DueTasks] = {}
        with self.database.session() as session:
            for task_id, title, account_id, email in session.execute(query):
                due = by_account.setdefault(
                    account_id, DueTasks(account_id=account_id, email=email, task_ids=[], titles=[])
                )
                due.task_ids.append(task_id)
                due.titles.append(title)
        return list(by_account.values())

    @activity.defn(name="mark_reminded")
    def mark_reminded(self, task_ids: list[int]) -> None:
        with self.database.session() as session:
            session.execute(update(Task).where(Task.id.in_(task_ids)).values(reminded_at=utcnow()))


def reminder_email(due: DueTasks) -> EmailInput:
    lines = "\n".join(f"- {title}" for title in due.titles)
    return EmailInput(
        to=due.email,
        subject=f"{len(due.titles)} task(s) due",
        body=f"These tasks are due:\n\n{lines}\n",
    )


# Multi-step (find, one child email per account, mark): keep every step on one build.
@workflow.defn(name="reminders", versioning_behavior=VersioningBehavior.PINNED)
class RemindersWorkflow:
    @workflow.run
    async def run(self, job: JobContext, data: RemindersInput) -> RemindersResult:
        due_by_account = await workflow.execute_activity_method(
            ReminderActivities.find_due_tasks,
            job,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RETRY,
        )
        for due in due_by_account:
            await workflow.execute_child_workflow(
                EmailWorkflow.run,
                args=[JobContext(owner_id=due.account_id), reminder_email(due)],
                id=f"{workflow.info().workflow_id}-email-{due.account_id}",
            )
            await workflow.execute_activity_method(
                ReminderActivities.mark_reminded,
                due.task_ids,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RETRY,
            )
        return RemindersResult(
            accounts=len(due_by_account), tasks=sum(len(d.task_ids) for d in due_by_account)
        )


def activities(deps: JobDeps) -> list[Callable[..., Any]]:
    reminders = ReminderActivities(deps)
    return [reminders.find_due_tasks, reminders.mark_reminded]


JOB = JobType(
    RemindersWorkflow,
    description="Emails you the tasks that are due (a schedule does it for every account).",
    activities=activities,
    on_database_down=OnDatabaseDown.RETRY,
    execution_timeout=timedelta(hours=1),
)
