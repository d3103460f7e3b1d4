"""Accounts for tests: each test signs up its own, so tests never see each other's data."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient

PASSWORD = "correct horse"


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def signup(client: FlaskClient, email: str | None = None) -> dict[str, str]:
    """Sign up and return the Authorization header of the new account."""
    response = client.post(
        "/api/auth/signup", json={"email": email or new_email(), "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
