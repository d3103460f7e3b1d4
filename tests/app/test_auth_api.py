"""Accounts and bearer tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.db import utcnow
from app.models import AuthToken
from app.services import Services
from devstack.accounts import PASSWORD, new_email, signup


def test_signup_returns_a_token_that_identifies_the_account(client: FlaskClient) -> None:
    address = new_email()
    headers = signup(client, address.upper())
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["email"] == address


def test_duplicate_signup_is_409(client: FlaskClient) -> None:
    address = new_email()
    signup(client, address)
    again = client.post("/api/auth/signup", json={"email": address, "password": "another pass"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "email_taken"
    assert again.get_json()["error"]["details"]["fields"][0]["field"] == "email"


def test_invalid_signup_names_the_field(client: FlaskClient) -> None:
    cases = [
        ({"email": "not-an-email", "password": "long enough"}, "email"),
        ({"email": new_email(), "password": "short"}, "password"),
        ({"email": "", "password": "long enough"}, "email"),
        ({"email": new_email(), "password": "x" * 129}, "password"),
        ({"email": "a" * 250 + "@example.com", "password": "long enough"}, "email"),
        ({"password": "long enough"}, "email"),
    ]
    for body, field in cases:
        response = client.post("/api/auth/signup", json=body)
        assert response.status_code == 422, body
        fields = response.get_json()["error"]["details"]["fields"]
        assert [item["field"] for item in fields] == [field], body
        assert not fields[0]["message"].startswith("Value error"), fields


def test_login_and_logout_revokes_the_token(client: FlaskClient) -> None:
    address = new_email()
    signup(client, address)
    login = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    assert client.post("/api/auth/logout", headers=headers).status_code == 200
    after = client.get("/api/auth/me", headers=headers)
    assert after.status_code == 401
    assert after.get_json()["error"]["code"] == "token_revoked"
    assert after.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_and_unknown_email_look_the_same(client: FlaskClient) -> None:
    address = new_email()
    signup(client, address)
    wrong = client.post("/api/auth/login", json={"email": address, "password": "nope nope"})
    unknown = client.post("/api/auth/login", json={"email": new_email(), "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_repeated_failed_logins_are_rate_limited(client: FlaskClient, app: Flask) -> None:
    address = new_email()
    signup(client, address)
    limit = app.extensions["services"].settings.login_max_failures
    for _ in range(limit):
        bad = client.post("/api/auth/login", json={"email": address, "password": "wrong pass"})
        assert bad.status_code == 401
    blocked = client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_attempts"


def test_forged_missing_and_expired_tokens_are_401(client: FlaskClient, app: Flask) -> None:
    assert client.get("/api/auth/me").status_code == 401
    forged = client.get("/api/auth/me", headers={"Authorization": "Bearer forged-token"})
    assert forged.status_code == 401
    assert forged.get_json()["error"]["code"] == "invalid_token"
    basic = client.get("/api/auth/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401

    headers = signup(client, new_email())
    token_hash = hashlib.sha256(
        headers["Authorization"].removeprefix("Bearer ").encode()
    ).hexdigest()
    services: Services = app.extensions["services"]
    with services.database.session() as session:
        session.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == token_hash)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = client.get("/api/auth/me", headers=headers)
    assert expired.status_code == 401
    assert expired.get_json()["error"]["code"] == "token_expired"


def test_a_stranger_gets_401_before_any_input_is_validated(client: FlaskClient) -> None:
    # Authentication is the dependency resolved before validation: no 422 describes the input.
    assert client.post("/api/tasks", json={"title": 5}).status_code == 401
    assert client.get("/api/tasks?limit=0").status_code == 401
    assert (
        client.patch("/api/tasks/1", data="{broken", content_type="application/json").status_code
        == 401
    )
    bad = client.get("/api/jobs?surprise=1", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "invalid_token"


def test_a_json_body_sent_without_its_content_type_is_415(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    response = client.post("/api/tasks", data='{"title": "t"}', headers=auth)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    empty = client.post("/api/tasks", headers=auth)
    assert empty.status_code == 422
    assert empty.get_json()["error"]["message"] == "body: Input should be an object"
    for body in ("[]", '"{}"', "3"):
        response = client.post(
            "/api/tasks", data=body, content_type="application/json", headers=auth
        )
        assert response.get_json()["error"]["details"]["fields"] == [
            {"field": "body", "message": "Input should be an object", "type": "model_type"}
        ], body
