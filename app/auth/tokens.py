"""Bearer tokens: random, stored only as a SHA-256 hash, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.api.reads import read_connection
from app.db import as_utc, utcnow
from app.models import Account, AuthToken

TOKEN_BYTES = 32


@dataclass(frozen=True)
class CurrentAccount:
    id: int
    email: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, account_id: int, ttl_seconds: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = utcnow() + timedelta(seconds=ttl_seconds)
    session.add(AuthToken(account_id=account_id, token_hash=_digest(token), expires_at=expires_at))
    return token, expires_at


def revoke_token(session: Session, token: str) -> None:
    record = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()


def token_lookup(token: str) -> Select[datetime, datetime | None, int, str]:
    """The query every authenticated request runs (also what the density benchmark sends)."""
    return (
        select(AuthToken.expires_at, AuthToken.revoked_at, Account.id, Account.email)
        .join(Account, Account.id == AuthToken.account_id)
        .where(AuthToken.token_hash == _digest(token))
    )


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "unauthenticated", "send 'Authorization: Bearer <token>' from /api/auth/login"
        )
    return token.strip()


def authenticate_request() -> CurrentAccount:
    """The account behind the request's bearer token, or a 401."""
    token = bearer_token()
    row = read_connection().execute(token_lookup(token)).first()
    if row is None:
        raise ApiError(401, "invalid_token", "the token is not valid; log in again")
    expires_at = as_utc(row.expires_at)
    if row.revoked_at is not None:
        raise ApiError(401, "token_revoked", "the token was revoked; log in again")
    if expires_at is None or expires_at <= utcnow():
        raise ApiError(401, "token_expired", "the token has expired; log in again")
    account = CurrentAccount(id=row.id, email=row.email)
    g.account = account
    return account
