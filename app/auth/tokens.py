"""Bearer tokens: random, stored only as a SHA-256 hash, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.api.reads import read_connection
from app.auth.token_cache import CachedToken
from app.db import as_utc, utcnow
from app.jobs.state import CHANNEL
from app.models import Account, AuthToken
from app.services import services

TOKEN_BYTES = 32
REVOKED_TOPIC = "revoked"  # NOTIFY job_changes, 'revoked:<token id>'


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
    """Revoke it; web processes drop it from their caches when the transaction commits."""
    record = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_notify(CHANNEL, f"{REVOKED_TOPIC}:{record.id}")))


def forget_token(token: str) -> None:
    """Drop a revoked token from this process's cache now; other processes on its NOTIFY."""
    services().tokens.evict(_digest(token))


def token_lookup(token: str) -> Select[datetime, datetime | None, int, int, str]:
    """The query every token-cache miss runs (also what the density benchmark sends)."""
    return (
        select(
            AuthToken.expires_at,
            AuthToken.revoked_at,
            AuthToken.id.label("token_id"),
            Account.id.label("account_id"),
            Account.email,
        )
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
    found = services().tokens.get(_digest(token))
    if found is None:
        found = _verified(token)
    if found.expires_at <= utcnow():
        raise ApiError(401, "token_expired", "the token has expired; log in again")
    account = CurrentAccount(id=found.account_id, email=found.email)
    g.account = account
    return account


def _verified(token: str) -> CachedToken:
    """Look the token up in the database and cache it if it is valid."""
    cache = services().tokens
    services().changes.ensure_listening()  # so this process hears of revocations
    generation = cache.generation
    row = read_connection().execute(token_lookup(token)).first()
    if row is None:
        raise ApiError(401, "invalid_token", "the token is not valid; log in again")
    if row.revoked_at is not None:
        raise ApiError(401, "token_revoked", "the token was revoked; log in again")
    expires_at = as_utc(row.expires_at)
    if expires_at is None or expires_at <= utcnow():
        raise ApiError(401, "token_expired", "the token has expired; log in again")
    found = CachedToken(row.token_id, row.account_id, row.email, expires_at)
    cache.put(_digest(token), found, generation)
    return found
