"""Dependencies views declare: the one place a bearer token becomes the current account."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_openapi3.types import ResponseDict

from app.api.openapi import AUTH_ERRORS, ITEM_ERRORS
from app.api.reads import release_read_connection
from app.auth.tokens import authenticate_request

View = TypeVar("View", bound=Callable[..., Any])
Route = Callable[..., Callable[[View], View]]  # an APIBlueprint's .get, .post, ...

BEARER: list[dict[str, list[Any]]] = [{"bearer": []}]  # an operation's `security`


def signed_in(
    route: Route[View],
    rule: str,
    summary: str,
    responses: ResponseDict,
    *,
    item: bool = False,
) -> Callable[[View], View]:
    """Declare an operation only an account may call: its bearer security, its 401 (and
    404 when it acts on one of the account's `item`s); the view gets `account`."""
    errors = ITEM_ERRORS if item else AUTH_ERRORS
    declare = route(rule, summary=summary, responses={**responses, **errors}, security=BEARER)

    def decorate(view: View) -> View:
        return declare(current_account(view))

    return decorate


def current_account(view: View) -> View:
    """The view gets `account`: the account behind the request's bearer token."""

    @functools.wraps(view)
    def with_account(**kwargs: Any) -> Any:
        return view(account=g.account, **kwargs)

    with_account.needs_account = True  # type: ignore[attr-defined]
    return with_account  # type: ignore[return-value]


def authenticate() -> None:
    """Before validation, for views that declare `current_account`: a stranger gets a 401,
    never a 422 that describes the input."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "needs_account", False):
        return
    authenticate_request()  # sets g.account, or raises the 401
    if request.method != "GET":  # writes use their own transactions: hold one connection
        release_read_connection()
