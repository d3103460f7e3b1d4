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

from pydantic import AfterValidator, Field

from envctl.model.config_base import Strict, checked

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


def require_http_url(value: str, field: str) -> str:
    return require_url(value, field, https_only=False)


def _client_id(value: str) -> str:
    if not _CLIENT_ID.match(value):
        raise ValueError("client_id must be 1-200 of A-Z a-z 0-9 . _ : @ -")
    return value


def each_token(pattern: str, field: str, what: str) -> AfterValidator:
    """Every item of a list must match `pattern`; the error shows the first that does not."""
    token = re.compile(pattern)

    def check(values: list[str]) -> list[str]:
        for value in values:
            if not token.match(value):
                raise ValueError(f"{field}: {value!r} is not {what}")
        return values

    return AfterValidator(check)


class OidcAuth(Strict):
    provider_url: Annotated[str, checked(require_url, "provider_url")]
    client_id: Annotated[str, AfterValidator(_client_id)]
    scopes: Annotated[
        list[str],
        Field(min_length=1),
        each_token(r"^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,100}$", "scopes", "an OAuth scope token"),
    ] = ["openid", "profile", "email"]  # noqa: RUF012  (pydantic copies it)


class IngressAuth(Strict):
    # answers 2xx for a signed-in request, 401 otherwise
    auth_url: Annotated[str, checked(require_http_url, "auth_url")]
    # where a browser without a session is sent
    signin_url: Annotated[str, checked(require_url, "signin_url")]
    response_headers: Annotated[
        list[str], each_token(r"^[A-Za-z0-9-]{1,100}$", "response_headers", "a header name")
    ] = []  # noqa: RUF012  (pydantic copies it)


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
