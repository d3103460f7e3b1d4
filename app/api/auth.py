"""Sign-up, login, logout and the current account."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.deps import signed_in
from app.api.errors import ApiError
from app.api.openapi import BODY_ERRORS, WRITE_ERRORS, JsonBody, api_blueprint, error
from app.auth.login_limits import clear_failures, recent_failures, record_failure
from app.auth.passwords import hash_password, verify_password
from app.auth.tokens import (
    CurrentAccount,
    bearer_token,
    forget_token,
    issue_token,
    revoke_token,
)
from app.models import Account
from app.services import services

blueprint = api_blueprint("auth", __name__, url_prefix="/api/auth")

# Published in the OpenAPI document as the field's pattern, so it must mean the same in
# Python and in ECMA-262 regexes: control characters and every character either engine
# counts as whitespace are spelled out.
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f\x85\ufeff<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
EMAIL = re.compile(EMAIL_PATTERN)
EMAIL_MAX = 254


class Credentials(JsonBody):
    email: str = Field(
        min_length=3,
        max_length=EMAIL_MAX,
        # `example`, not `examples`: flask-openapi3's schema model keeps only OpenAPI's keywords
        json_schema_extra={"pattern": EMAIL_PATTERN, "example": "ada@example.com"},
    )
    password: str = Field(min_length=1, max_length=128)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if not EMAIL.match(value):
            raise ValueError("must be an email address like name@example.com")
        if len(value) > EMAIL_MAX:  # lower-casing can lengthen a string ("İ" -> "i̇")
            raise ValueError(f"must be at most {EMAIL_MAX} characters")
        return value


class SignupBody(Credentials):
    password: str = Field(min_length=8, max_length=128, description="8 to 128 characters")


class AccountOut(BaseModel):
    """The signed-in account."""

    id: int
    email: str


class TokenOut(BaseModel):
    """A bearer token for `Authorization: Bearer <token>`."""

    token: str
    expires_at: datetime
    account: AccountOut


class LogoutOut(BaseModel):
    """The token is revoked."""

    revoked: bool


@blueprint.post(
    "/signup",
    summary="Create an account and log in",
    responses={201: TokenOut, **BODY_ERRORS, 409: error("an account with this email exists")},
)
def signup(body: SignupBody) -> tuple[TokenOut, int]:
    settings = services().settings
    password_hash = hash_password(body.password)
    try:
        with services().database.session() as session:
            account = Account(email=body.email, password_hash=password_hash)
            session.add(account)
            session.flush()
            token, expires_at = issue_token(session, account.id, settings.token_ttl_seconds)
    except IntegrityError:
        raise ApiError(
            409,
            "email_taken",
            "an account with this email already exists",
            {
                "fields": [
                    {
                        "field": "email",
                        "message": "an account with this email already exists",
                        "type": "conflict",
                    }
                ]
            },
        ) from None
    token_out = TokenOut(
        token=token, expires_at=expires_at, account=AccountOut(id=account.id, email=account.email)
    )
    return token_out, 201


@blueprint.post(
    "/login",
    summary="Log in with email and password",
    responses={
        200: TokenOut,
        **BODY_ERRORS,
        401: error("wrong email or password"),
        429: error("too many failed logins; wait and retry"),
    },
)
def login(body: Credentials) -> TokenOut:
    settings = services().settings
    with services().database.session() as session:
        failures = recent_failures(session, body.email, settings.login_failure_window_seconds)
    if failures >= settings.login_max_failures:
        raise ApiError(
            429,
            "too_many_attempts",
            "too many failed logins for this email; try again later",
            {"retry_after_seconds": settings.login_failure_window_seconds},
        )
    with services().database.session() as session:
        account = session.scalar(select(Account).where(Account.email == body.email))
        valid = verify_password(account.password_hash if account else None, body.password)
        if account is None or not valid:
            record_failure(session, body.email)
            account = None
        else:
            clear_failures(session, body.email)
            token, expires_at = issue_token(session, account.id, settings.token_ttl_seconds)
    if account is None:
        raise ApiError(401, "invalid_credentials", "wrong email or password")
    return TokenOut(
        token=token, expires_at=expires_at, account=AccountOut(id=account.id, email=account.email)
    )


@signed_in(blueprint.post, "/logout", "Revoke this token", {200: LogoutOut, **WRITE_ERRORS})
def logout(account: CurrentAccount) -> LogoutOut:
    token = bearer_token()
    with services().database.session() as session:
        revoke_token(session, token)
    forget_token(token)
    return LogoutOut(revoked=True)


@signed_in(blueprint.get, "/me", "The signed-in account", {200: AccountOut})
def me(account: CurrentAccount) -> AccountOut:
    return AccountOut(id=account.id, email=account.email)
