"""`healthcheck`: calls the web app's `/api/health` and the database, and records the
result in the app database. A Temporal Schedule runs it periodically (see
`app/worker/schedules.py`); it can also be started like any job.

With the app database down it cannot record anything, so it retries with backoff
(10 attempts over about 3 minutes) and records the check once the database is back."""

from __future__ import annotations

import time
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy, VersioningBehavior

from app.jobs.base import JobActivities, JobContext, JobInput, JobType, OnDatabaseDown

with workflow.unsafe.imports_passed_through():
    import httpx
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from app.models import HealthCheck


class HealthCheckInput(JobInput):
    pass


class HealthCheckResult(BaseModel):
    web_ok: bool
    database_ok: bool
    web_latency_ms: float | None
    detail: str
    record_id: int


class HealthCheckActivities(JobActivities):
    @property
    def url(self) -> str:
        return self.settings.web_base_url.rstrip("/") + "/api/health"

    @activity.defn(name="check_health")
    def check_health(self) -> HealthCheckResult:
        problems: list[str] = []
        web_ok, latency = self._check_web(problems)
        database_ok = self._check_database(problems)
        detail = "; ".join(problems) or "ok"
        # If the database is down this raises, and the retry policy records it later.
        with self.database.session() as session:
            record = HealthCheck(
                web_ok=web_ok, database_ok=database_ok, web_latency_ms=latency, detail=detail
            )
            session.add(record)
            session.flush()
            record_id = record.id
        return HealthCheckResult(
            web_ok=web_ok,
            database_ok=database_ok,
            web_latency_ms=latency,
            detail=detail,
            record_id=record_id,
        )

    def _check_web(self, problems: list[str]) -> tuple[bool, float | None]:
        started = time.perf_counter()
        try:
            response = httpx.get(self.url, timeout=5.0)
        except httpx.HTTPError as error:
            problems.append(f"web: {type(error).__name__}: {error}")
            return False, None
        latency = round((time.perf_counter() - started) * 1000, 2)
        if response.status_code != 200:
            problems.append(f"web: {self.url} answered {response.status_code}")
            return False, latency
        return True, latency

    def _check_database(self, problems: list[str]) -> bool:
        try:
            with self.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            problems.append(f"database: {str(error).splitlines()[0]}")
            return False
        return True


# With the app database down it cannot record the check: 10 attempts over about 3 minutes.
CHECK_HEALTH = workflow.ActivityConfig(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=2),
        maximum_interval=timedelta(seconds=30),
        maximum_attempts=10,
    ),
)


# Short and run every minute by a schedule: the next run should use the current build.
@workflow.defn(name="healthcheck", versioning_behavior=VersioningBehavior.AUTO_UPGRADE)
class HealthCheckWorkflow:
    @workflow.run
    async def run(self, job: JobContext, data: HealthCheckInput) -> HealthCheckResult:
        return await workflow.execute_activity_method(
            HealthCheckActivities.check_health, **CHECK_HEALTH
        )


JOB = JobType(
    HealthCheckWorkflow,
    description="Checks the web app and the database and records the result.",
    activities=lambda deps: [HealthCheckActivities(deps).check_health],
    on_database_down=OnDatabaseDown.RETRY,
    execution_timeout=timedelta(minutes=10),
)
