"""The per-process cache of verified bearer tokens: its bound, and revocation through it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.auth.token_cache import CachedToken, TokenCache
from app.db import utcnow
from app.models import AuthToken
from app.services import Services
from app.settings import Settings
from devstack.accounts import PASSWORD, new_email, signup
from devstack.processes import WebProcess
from devstack.stack import process_env
from devstack.waiting import wait_until

TOKEN = CachedToken(token_id=7, account_id=1, email="a@example.com", expires_at=datetime.now(UTC))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_at_most_the_bound() -> None:
    clock = Clock()
    cache = TokenCache(5.0, clock)
    cache.put("d", TOKEN, cache.generation)
    clock.now += 4.9
    assert cache.get("d") == TOKEN
    clock.now += 0.1
    assert cache.get("d") is None


def test_a_lookup_that_raced_a_revocation_is_not_cached() -> None:
    cache = TokenCache(5.0, Clock())
    seen = cache.generation  # the lookup starts, then a logout evicts
    cache.on_change("99")
    cache.put("d", TOKEN, seen)
    assert cache.get("d") is None


def test_revocation_notices_evict_by_token_id_and_a_listener_change_clears_all() -> None:
    cache = TokenCache(5.0, Clock())
    other = CachedToken(8, 1, "a@example.com", TOKEN.expires_at)
    cache.put("d", TOKEN, cache.generation)
    cache.put("e", other, cache.generation)
    cache.on_change("7")
    assert cache.get("d") is None
    assert cache.get("e") == other
    cache.on_change(None)
    assert cache.get("e") is None


def test_a_zero_bound_caches_nothing() -> None:
    cache = TokenCache(0, Clock())
    cache.put("d", TOKEN, cache.generation)
    assert cache.get("d") is None


def _revoke_in_database(app: Flask, headers: dict[str, str]) -> None:
    """As an operator would by hand: no NOTIFY, so only the bound evicts it."""
    token = headers["Authorization"].removeprefix("Bearer ")
    services: Services = app.extensions["services"]
    with services.database.session() as session:
        session.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
            .values(revoked_at=utcnow())
        )


def test_a_token_revoked_behind_the_apps_back_is_refused_within_the_bound(
    client: FlaskClient, app: Flask
) -> None:
    headers = signup(client, new_email())
    assert client.get("/api/auth/me", headers=headers).status_code == 200  # now cached
    _revoke_in_database(app, headers)
    bound = app.extensions["services"].settings.token_cache_seconds
    wait_until(
        lambda: client.get("/api/auth/me", headers=headers).status_code == 401,
        bound + 2,
        "the cached token to be refused",
    )
    after = client.get("/api/auth/me", headers=headers)
    assert after.get_json()["error"]["code"] == "token_revoked"


def test_an_expiry_is_checked_on_every_request_even_when_cached(
    client: FlaskClient, app: Flask
) -> None:
    services: Services = app.extensions["services"]
    headers = signup(client, new_email())
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    token = headers["Authorization"].removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    cached = services.tokens.get(digest)
    assert cached is not None
    expired = CachedToken(
        cached.token_id, cached.account_id, cached.email, utcnow() - timedelta(seconds=1)
    )
    services.tokens.put(digest, expired, services.tokens.generation)
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_a_logout_is_refused_by_every_web_worker_long_before_the_bound(
    base_env: dict[str, str], settings: Settings, migrated: None, tmp_path: Path
) -> None:
    if settings.listen_url is None:
        pytest.skip("no change listener here (SQLite, or pooled without a listen URL)")
    env = process_env(base_env, TOKEN_CACHE_SECONDS="60")  # expiry alone would take a minute
    web = WebProcess.create(env, tmp_path)
    web.start()
    try:
        web.wait_healthy()
        email = new_email()
        httpx.post(f"{web.url}/api/auth/signup", json={"email": email, "password": PASSWORD})
        login = httpx.post(f"{web.url}/api/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        # New connections each time: gunicorn's two workers both serve, and both cache it.
        assert all(
            httpx.get(f"{web.url}/api/auth/me", headers=headers).status_code == 200
            for _ in range(30)
        )
        assert httpx.post(f"{web.url}/api/auth/logout", headers=headers).status_code == 200

        def all_refused() -> bool:
            codes = {
                httpx.get(f"{web.url}/api/auth/me", headers=headers).status_code for _ in range(20)
            }
            return codes == {401}

        wait_until(all_refused, 10, "every worker to refuse the revoked token")
    finally:
        web.stop()
