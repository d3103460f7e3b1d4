"""Who may reach a public host: the Temporal UI's own OIDC, or ingress external auth.

- `OidcAuth`: temporal-ui's built-in OIDC login. The UI server verifies the bearer token of
  every API call against the provider (ui-server's `ValidateAuthHeaderExists`), so writes need a
  login. The client secret comes from the secret store, never from this file.
- `IngressAuth`: ingress-nginx's external auth (`auth-url`, `auth-signin`), e.g. oauth2-proxy.
  Every request to the host is checked before it reaches the pod.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The one risk production may accept instead of authentication, by name (docs/environments.md).
ACCEPTED_UI_RISKS = {
    "unauthenticated-read-only-ui": "anyone with the URL reads every workflow's input, result "
    "and history; write actions stay off",
}
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,200}$")
_URL = re.compile(r"^https?://[^\s\"'\\]{1,2000}$")


def require_url(value: str, field: str, *, https_only: bool = True) -> str:
    if not _URL.match(value) or (https_only and not value.startswith("https://")):
        scheme = "an https:// URL" if https_only else "an http:// or https:// URL"
        raise ValueError(f"{field} must be {scheme} without spaces or quotes, got {value!r}")
    return value


class OidcAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider_url: str
    client_id: str
    scopes: Annotated[list[str], Field(min_length=1)] = ["openid", "profile", "email"]

    @field_validator("provider_url")
    @classmethod
    def _provider(cls, value: str) -> str:
        return require_url(value, "provider_url")

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        if not _CLIENT_ID.match(value):
            raise ValueError("client_id must be 1-200 of A-Z a-z 0-9 . _ : @ -")
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        for scope in value:
            if not re.match(r"^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,100}$", scope):
                raise ValueError(f"scopes: {scope!r} is not an OAuth scope token")
        return value


class IngressAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    auth_url: str  # answers 2xx for a signed-in request, 401 otherwise
    signin_url: str  # where a browser without a session is sent
    response_headers: list[str] = []

    @field_validator("auth_url")
    @classmethod
    def _auth(cls, value: str) -> str:
        return require_url(value, "auth_url", https_only=False)

    @field_validator("signin_url")
    @classmethod
    def _signin(cls, value: str) -> str:
        return require_url(value, "signin_url")

    @field_validator("response_headers")
    @classmethod
    def _headers(cls, value: list[str]) -> list[str]:
        for header in value:
            if not re.match(r"^[A-Za-z0-9-]{1,100}$", header):
                raise ValueError(f"response_headers: {header!r} is not a header name")
        return value


def ingress_auth_annotations(auth: IngressAuth) -> dict[str, str]:
    annotations = {
        "nginx.ingress.kubernetes.io/auth-url": auth.auth_url,
        "nginx.ingress.kubernetes.io/auth-signin": auth.signin_url,
    }
    if auth.response_headers:
        annotations["nginx.ingress.kubernetes.io/auth-response-headers"] = ",".join(
            auth.response_headers
        )
    return annotations
