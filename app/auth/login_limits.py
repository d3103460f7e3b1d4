"""Repeated failed logins for one email are refused for a while (429).

Failures are counted in the database, so every web process and pod sees the same count.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import LoginFailure


def recent_failures(session: Session, email: str, window_seconds: int) -> int:
    since = utcnow() - timedelta(seconds=window_seconds)
    count = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == email, LoginFailure.failed_at > since)
    )
    return count or 0


def record_failure(session: Session, email: str) -> None:
    session.add(LoginFailure(email=email))


def clear_failures(session: Session, email: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
