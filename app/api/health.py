"""Liveness, readiness, the environment, and the recorded health checks."""

from __future__ import annotations

from datetime import datetime

from flask import Response
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.api.errors import error_response
from app.api.openapi import QueryModel, api_blueprint
from app.db import as_utc
from app.models import HealthCheck
from app.services import services
from app.temporal_client import TemporalUnavailable

blueprint = api_blueprint("health", __name__, url_prefix="/api")


class HealthOut(BaseModel):
    """The process answers."""

    status: str


class CheckOut(BaseModel):
    ok: bool
    detail: str


class ReadyOut(BaseModel):
    """Every dependency answered."""

    status: str
    checks: dict[str, CheckOut]


class TemporalOut(BaseModel):
    address: str
    rule: str
    rule_description: str
    namespace: str
    task_queue: str


class EnvOut(BaseModel):
    """Which environment this is and where its Temporal is."""

    kind: str
    pr_number: int | None
    namespace: str | None
    commit: str
    public_url: str | None
    temporal: TemporalOut
    temporal_ui_url: str | None


class HealthCheckOut(BaseModel):
    id: int
    checked_at: datetime
    web_ok: bool
    database_ok: bool
    web_latency_ms: float | None
    detail: str


class HealthCheckList(BaseModel):
    """The most recent scheduled health checks, newest first."""

    items: list[HealthCheckOut]


class HealthCheckQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=100)


@blueprint.get("/health", summary="Liveness: the process answers", responses={200: HealthOut})
def health() -> HealthOut:
    return HealthOut(status="ok")


@blueprint.get(
    "/ready", summary="Readiness: the database and Temporal answer", responses={200: ReadyOut}
)
def ready() -> ReadyOut | Response:
    checks = {"database": _check_database(), "temporal": _check_temporal()}
    if all(check.ok for check in checks.values()):
        return ReadyOut(status="ready", checks=checks)
    failing = "; ".join(f"{name}: {check.detail}" for name, check in checks.items() if not check.ok)
    return error_response(
        503,
        "not_ready",
        f"not ready: {failing}",
        {"checks": {name: check.model_dump() for name, check in checks.items()}},
    )


def _check_database() -> CheckOut:
    try:
        with services().database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return CheckOut(ok=False, detail=f"unreachable: {str(error).splitlines()[0]}")
    return CheckOut(ok=True, detail="ok")


def _check_temporal() -> CheckOut:
    try:
        services().temporal.check()
    except TemporalUnavailable as error:
        return CheckOut(ok=False, detail=f"unreachable: {error}")
    return CheckOut(ok=True, detail="ok")


@blueprint.get("/env", summary="This environment", responses={200: EnvOut})
def env() -> EnvOut:
    settings = services().settings
    address = settings.temporal_address
    return EnvOut(
        kind=settings.app_env,
        pr_number=settings.pr_number,
        namespace=settings.app_namespace,
        commit=settings.git_commit,
        public_url=settings.public_url,
        temporal=TemporalOut(
            address=address.address,
            rule=address.rule,
            rule_description=address.description,
            namespace=settings.temporal_namespace,
            task_queue=settings.temporal_task_queue,
        ),
        temporal_ui_url=settings.temporal_ui_url,
    )


@blueprint.get(
    "/health-checks",
    summary="Results of the scheduled health check",
    responses={200: HealthCheckList},
)
def health_checks(query: HealthCheckQuery) -> HealthCheckList:
    with services().database.session() as session:
        rows = session.scalars(
            select(HealthCheck).order_by(HealthCheck.id.desc()).limit(query.limit)
        ).all()
    return HealthCheckList(
        items=[
            HealthCheckOut(
                id=row.id,
                checked_at=as_utc(row.checked_at) or row.checked_at,
                web_ok=row.web_ok,
                database_ok=row.database_ok,
                web_latency_ms=row.web_latency_ms,
                detail=row.detail,
            )
            for row in rows
        ]
    )
